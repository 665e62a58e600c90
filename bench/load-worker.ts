/**
 * The harness's side of bench/load.ts: one long-lived load-generator process
 * (started once, so tsx's start-up is paid once), one job at a time.
 */
import type { LoadJob, LoadResult } from './load.js';
import { jsonLines, spawnNode, stopProcess } from './processes.js';

export interface LoadWorker {
  run(job: Omit<LoadJob, 'id'>): Promise<LoadResult>;
  stop(): Promise<void>;
}

/** Spawns the load generator and returns a client for it. */
export function startLoadWorker(): LoadWorker {
  const proc = spawnNode('bench/load.ts', {}, { stdin: 'pipe' });
  const next = jsonLines(proc);
  let id = 0;
  let queue: Promise<unknown> = Promise.resolve();
  return {
    run(job) {
      const mine = ++id;
      // Sequential: results come back in order, one per job.
      const result = queue.then(async () => {
        proc.child.stdin!.write(`${JSON.stringify({ ...job, id: mine })}\n`);
        const answer = (await next()) as LoadResult;
        if (answer.id !== mine) throw new Error(`load worker answered job ${answer.id}, expected ${mine}`);
        if (answer.failure !== undefined) throw new Error(`load generator failed: ${answer.failure}`);
        return answer;
      });
      queue = result.catch(() => undefined);
      return result;
    },
    async stop() {
      proc.child.stdin!.end();
      await stopProcess(proc, 5_000);
    },
  };
}
