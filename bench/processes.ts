/**
 * Child processes of a benchmark run: spawning entry points (TypeScript ones
 * under tsx) with a clean environment, reading their first JSON line, waiting for
 * an HTTP endpoint, sampling memory, and stopping them by pid.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { createServer, type AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildBundle } from '../scripts/build.mjs';
import { isStale } from '../scripts/build-state.mjs';

/** Builds `dist/` when it is missing or older than the sources: what a run measures is what `npm start` runs. */
export async function ensureBuilt(say: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): Promise<void> {
  if (!isStale()) return;
  say('building dist/ (npm run build)');
  await buildBundle();
}

/**
 * CPU 0 for a gateway under test (`SpawnOptions.cpus`), the other cores for
 * this process and everything it starts from now on (the load generator,
 * the demo services), pinned here with `taskset`; null, and nothing pinned,
 * with one core or no `taskset`. Read the machine's description before: a
 * pinned process sees one core.
 */
export function pinBesideGateway(): { gateway: string; others: string } | null {
  const cores = availableParallelism();
  if (cores < 2) return null;
  const split = { gateway: '0', others: cores === 2 ? '1' : `1-${cores - 1}` };
  try {
    execFileSync('taskset', ['-a', '-p', '-c', split.others, String(process.pid)], { stdio: 'ignore' });
  } catch {
    return null;
  }
  return split;
}

const live = new Set<ChildProcess>();
// A crashed or interrupted harness must not leave servers behind.
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export interface NodeProcess {
  child: ChildProcess;
  pid: number;
  /** The tail of stderr (and of stdout when it is not read as JSON lines), for error messages. */
  stderr(): string;
}

export interface SpawnOptions {
  flags?: string[];
  stdin?: 'pipe' | 'ignore';
  /**
   * Keep stdout's tail with stderr's instead of leaving it to `jsonLines`: a
   * pipe nobody reads fills up and blocks the writer (the gateway's log).
   */
  tailStdout?: boolean;
  /**
   * Run on these CPUs only (`taskset -c`, Linux), so a load generator on the
   * other cores cannot take the measured process's CPU, nor it the generator's.
   */
  cpus?: string;
}

/**
 * Spawns `node [flags] <script>` (with `--import tsx` for a TypeScript
 * script) with only PATH and `env`, so a developer's shell (REDIS_URL,
 * JWT_SECRET…) cannot change what is measured.
 */
export function spawnNode(script: string, env: Record<string, string>, options: SpawnOptions = {}): NodeProcess {
  const loader = script.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const node = [process.execPath, ...(options.flags ?? []), ...loader, script];
  const command = options.cpus === undefined ? node : ['taskset', '-c', options.cpus, ...node];
  const child = spawn(command[0]!, command.slice(1), {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`could not start ${script}`);
  live.add(child);
  child.once('exit', () => live.delete(child));
  let stderr = '';
  const keep = (chunk: Buffer) => {
    // Bounded: only the tail is ever shown.
    stderr = (stderr + chunk.toString()).slice(-8_000);
  };
  child.stderr?.on('data', keep);
  if (options.tailStdout) child.stdout?.on('data', keep);
  return { child, pid: child.pid, stderr: () => stderr };
}

/** Resolves each stdout line in turn as parsed JSON (non-JSON lines are skipped). */
export function jsonLines(proc: NodeProcess): () => Promise<unknown> {
  const waiting: { resolve(value: unknown): void; reject(error: Error): void }[] = [];
  const ready: unknown[] = [];
  let ended = false;
  const ending = () => new Error(`process ${proc.pid} ended; stderr:\n${proc.stderr()}`);
  createInterface({ input: proc.child.stdout! }).on('line', (line) => {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      return;
    }
    const next = waiting.shift();
    if (next) next.resolve(value);
    else ready.push(value);
  });
  proc.child.once('exit', () => {
    ended = true;
    for (const waiter of waiting.splice(0)) waiter.reject(ending());
  });
  return () =>
    new Promise<unknown>((resolve, reject) => {
      if (ready.length > 0) return resolve(ready.shift());
      if (ended) return reject(ending());
      waiting.push({ resolve, reject });
    });
}

/** A port free right now (the gateway logs its URL only at info level, so it gets a known port). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Polls `url` until it answers 200, or throws after `ms` (or when `proc` exits). */
export async function waitForHttp(url: string, proc: NodeProcess, ms = 60_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (proc.child.exitCode !== null) throw new Error(`process exited with ${proc.child.exitCode}; stderr:\n${proc.stderr()}`);
    try {
      if ((await fetch(url)).status === 200) return;
    } catch {
      // Not listening yet.
    }
    await sleep(100);
  }
  throw new Error(`${url} did not answer within ${ms} ms; stderr:\n${proc.stderr()}`);
}

/** SIGTERM, then the exit code; SIGKILL after `ms`. */
export async function stopProcess(proc: NodeProcess, ms = 30_000): Promise<number | null> {
  const { child } = proc;
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  const force = setTimeout(() => child.kill('SIGKILL'), ms);
  const code = await exited;
  clearTimeout(force);
  return code;
}

/** Resident set size of `pid` in kB, from /proc (Linux); null elsewhere or once it has exited. */
export function rssKb(pid: number): number | null {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/** Linux's USER_HZ: /proc reports CPU time in these ticks (100 on every common kernel build). */
const CLOCK_TICKS_PER_SECOND = 100;

/** CPU time `pid` has used so far, all threads, user + system, in ms (Linux); null elsewhere. */
export function cpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may itself hold spaces: state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/**
 * CPU time each kind of thread of `pid` has used so far (user + system, ms),
 * by the name the kernel knows it by (`/proc/<pid>/task/<tid>/comm`): the main
 * thread is the first task, V8's helpers are `V8 DefaultWorke…`, libuv's pool
 * `libuv-worker`, a worker thread its own name. Linux only; empty elsewhere.
 */
export function threadCpuMs(pid: number): Map<string, number> {
  const byName = new Map<string, number>();
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return byName;
  }
  for (const tid of tasks) {
    try {
      const name = tid === String(pid) ? 'main' : readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ms = ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
      byName.set(name, (byName.get(name) ?? 0) + ms);
    } catch {
      // A thread that ended between the listing and the read.
    }
  }
  return byName;
}

/** Samples `pid`'s RSS every `intervalMs` until `stop()`, which returns the samples in kB. */
export function sampleRss(pid: number, intervalMs = 200): { stop(): number[] } {
  const samples: number[] = [];
  const take = () => {
    const kb = rssKb(pid);
    if (kb !== null) samples.push(kb);
  };
  take();
  const timer = setInterval(take, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return samples;
    },
  };
}
