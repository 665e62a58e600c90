import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { findBinary, skippedOutsideCi } from '../helpers/binary.js';
import { TEST_JWT_SECRET } from '../helpers/gateway.js';
import { childrenOf } from '../helpers/proc.js';
import { exitedWithin, SPAWNED_GATEWAY_TEST_MS } from '../helpers/gateway-process.js';

const unshare = findBinary('unshare');

/** The `unshare` options that give a command a PID namespace of its own here (as root, or in a user namespace), or null. */
function pidNamespace(): string[] | null {
  if (unshare === null) return null;
  for (const options of [
    ['--pid', '--fork', '--mount-proc'],
    ['--user', '--map-root-user', '--pid', '--fork', '--mount-proc'],
  ]) {
    try {
      execFileSync(unshare, [...options, 'true'], { stdio: 'ignore' });
      return options;
    } catch {
      // Not allowed here: try the next form.
    }
  }
  return null;
}

const namespace = pidNamespace();
const NEEDS_NAMESPACE = 'the PID 1 tests need `unshare` (util-linux) and PID namespaces (root, or user namespaces allowed)';


interface PidOne {
  /** `unshare`, which ends with the gateway's exit code. */
  unshare: ChildProcess;
  /** The gateway's node process: PID 1 inside its namespace. */
  pid(): number;
  output(): string;
  errors(): string;
  /** The exit code once the gateway has ended, or 'still running' after `ms`. */
  exitedWithin(ms: number): Promise<number | null | 'still running'>;
}

/** `node dist/main.js` as PID 1 of a PID namespace of its own, as a container's command runs; `onFirstOutput` at its first stdout line. */
function startAsPidOne(env: Record<string, string>, onFirstOutput?: (gateway: PidOne) => void): PidOne {
  if (namespace === null) throw new Error(NEEDS_NAMESPACE);
  const child = spawn(unshare!, [...namespace, process.execPath, 'dist/main.js'], {
    env: { PATH: process.env['PATH'] ?? '', PORT: '0', HOST: '127.0.0.1', JWT_SECRET: TEST_JWT_SECRET, AUDIENCES: 'public', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const gateway: PidOne = {
    unshare: child,
    pid() {
      const [pid] = childrenOf(child.pid!);
      if (pid === undefined) throw new Error('unshare has no child process');
      return pid;
    },
    output: () => stdout,
    errors: () => stderr,
    exitedWithin: (ms) => exitedWithin(exited, ms),
  };
  child.stdout!.on('data', (chunk: Buffer) => {
    if (stdout === '') onFirstOutput?.(gateway);
    stdout += chunk.toString();
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return gateway;
}

const SIGNAL_NUMBERS = { SIGTERM: 15, SIGINT: 2 } as const;

/**
 * A container's command (`node dist/main.js`, docs/readiness.md "Kubernetes")
 * runs as PID 1 of the container's PID namespace. There the kernel drops a
 * signal the process has no listener for, where elsewhere its default action
 * would end the process: SIGTERM ends the gateway only through its own handler.
 */
describe.skipIf(skippedOutsideCi(namespace && unshare, `Skipping the PID 1 tests: ${NEEDS_NAMESPACE}.`))('The gateway as PID 1 of its container', () => {
  let gateway: PidOne | undefined;
  afterEach(() => {
    // SIGKILL reaches PID 1 from outside its namespace, listener or not; it ends the namespace, and unshare with it.
    if (gateway && gateway.unshare.exitCode === null) {
      const [pid] = childrenOf(gateway.unshare.pid!);
      if (pid !== undefined) process.kill(pid, 'SIGKILL');
    }
    gateway = undefined;
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('ends on %s sent while it starts, instead of serving until the grace period kills it', async (signal) => {
    gateway = startAsPidOne({}, (starting) => process.kill(starting.pid(), signal));
    // Before the fix the signal was dropped: the gateway went on to listen and served until it was SIGKILLed.
    const code = await gateway.exitedWithin(20_000);
    if (gateway.output().includes('"msg":"gateway listening"')) {
      // The signal came once it was up: then it drained, as any SIGTERM.
      expect(code).toBe(0);
      expect(gateway.output()).toContain('"msg":"shutdown complete"');
    } else {
      expect(code).toBe(128 + SIGNAL_NUMBERS[signal]);
      expect(gateway.errors()).toContain(`${signal} while starting: exiting without serving`);
    }
  }, SPAWNED_GATEWAY_TEST_MS);

  it.each(['off', 'on'])('drains on SIGTERM once started and exits 0, with no process left behind (edge thread %s)', async (edgeThread) => {
    gateway = startAsPidOne({ OVERLOAD_EDGE_THREAD: edgeThread });
    await expect.poll(() => gateway!.output().includes('"msg":"gateway listening"'), { timeout: 30_000, interval: 50 }).toBe(true);
    const { url } = JSON.parse(gateway.output().split('\n').find((l) => l.includes('"msg":"gateway listening"'))!) as { url: string };
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    // PID 1 reaps nothing it did not start itself: no child process of its own may be left to become a zombie.
    expect(childrenOf(gateway.pid())).toEqual([]);

    process.kill(gateway.pid(), 'SIGTERM');
    expect(await gateway.exitedWithin(20_000)).toBe(0);
    expect(gateway.output()).toContain('"msg":"shutdown complete"');
  }, SPAWNED_GATEWAY_TEST_MS);
});

/**
 * Loading the packages (graphql, Apollo, pino…) is most of a start. The entry imported the gateway's modules
 * statically, and with them every package, all loaded before its first line ran: for most of a start there was no
 * listener, and as PID 1 a SIGTERM then was dropped. The built entry may import only Node's own modules; the rest it
 * loads once the listeners are in place (the test above sends its signal later, once the first line is logged).
 */
describe('The built entry, dist/main.js', () => {
  it("imports only Node's own modules before its signal listeners are in place", () => {
    const entry = readFileSync('dist/main.js', 'utf8');
    const imported = [...entry.matchAll(/^import\s(?:[^'";]*?\sfrom\s)?["']([^"']+)["']/gm)].map((match) => match[1]);
    expect(imported.length).toBeGreaterThan(0);
    expect(imported.filter((specifier) => !specifier!.startsWith('node:'))).toEqual([]);
    const listening = entry.indexOf("process.on(\"SIGTERM\"");
    expect(listening).toBeGreaterThan(0);
    expect(entry.indexOf('import(')).toBeGreaterThan(listening);
  });
});
