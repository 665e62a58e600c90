/**
 * The gateway as its own process, started the way `npm start` starts it (the
 * compiled build, `scripts/start.mjs`), for tests that need several processes
 * (shared Redis state), real signals, or the shipped build itself.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { URL_VARIABLES } from '../../src/config.js';
import type { ServiceName } from '../../clients/index.js';
import { TEST_JWT_SECRET } from './gateway.js';

export interface GatewayProcess {
  url: string;
  child: ChildProcess;
  /** Everything the process printed on stdout so far (JSON log lines). */
  output(): string;
  /** Resolves when a stdout line matches, or rejects after `ms`. */
  waitFor(pattern: RegExp, ms?: number): Promise<void>;
  /** SIGTERM, then the exit code (SIGKILL after 10 s). */
  stop(): Promise<number | null>;
  /** The exit code once the process ends by itself, or 'still running' after `ms`. */
  exitedWithin(ms: number): Promise<number | null | 'still running'>;
}

/**
 * The timeout of a test that starts the gateway as a process: the start (given up to 30 s below), the test's own
 * checks and the stop (10 s before SIGKILL) do not fit the default 20 s per test on a loaded machine, where one such
 * test took 19 s and another timed out.
 */
export const SPAWNED_GATEWAY_TEST_MS = 60_000;

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/**
 * Spawns the built gateway on a free port with the test JWT secret and the
 * given upstreams (null: its embedded demo services, as `npm start` on a
 * laptop) and settings. `onFirstOutput` runs at the first stdout line, while
 * the gateway is still starting (a signal sent then, for instance).
 */
export async function spawnGateway(
  upstreams: Record<ServiceName, string> | null,
  env: Record<string, string> = {},
  options: { onFirstOutput?(child: ChildProcess): void; /** Run on these CPUs only (`taskset -c`, Linux). */ cpus?: string } = {},
): Promise<GatewayProcess> {
  const urlEnv = Object.fromEntries(Object.entries(upstreams ?? {}).map(([s, url]) => [URL_VARIABLES[s as ServiceName], url]));
  const [command, args] = options.cpus === undefined ? [process.execPath, ['scripts/start.mjs']] : ['taskset', ['-c', options.cpus, process.execPath, 'scripts/start.mjs']];
  const child = spawn(command, args, {
    env: { PATH: process.env['PATH'] ?? '', PORT: '0', HOST: '127.0.0.1', JWT_SECRET: TEST_JWT_SECRET, LOG_LEVEL: 'info', OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0', OVERLOAD_TARGET_EVENT_LOOP_DELAY_MS: '0', ...urlEnv, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let stdout = '';
  let stderr = '';
  const watchers = new Set<() => void>();
  child.stdout!.on('data', (chunk: Buffer) => {
    if (stdout === '') options.onFirstOutput?.(child);
    stdout += chunk.toString();
    for (const check of watchers) check();
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      live.delete(child);
      resolve(code);
    }),
  );

  const waitFor = (pattern: RegExp, ms = 30_000) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (pattern.test(stdout)) {
          watchers.delete(check);
          clearTimeout(timer);
          resolve();
        }
      };
      const timer = setTimeout(() => {
        watchers.delete(check);
        reject(new Error(`gateway never printed ${pattern}; stderr:\n${stderr}\nstdout tail:\n${stdout.slice(-2000)}`));
      }, ms);
      watchers.add(check);
      check();
    });

  // A process that ends before it listens is told at once, not after the wait.
  const endedEarly = new Promise<never>((_, reject) =>
    child.once('exit', (code, signal) => reject(new Error(`gateway ended before it listened (${signal ?? `exit code ${code}`}); stderr:\n${stderr}`))),
  );
  endedEarly.catch(() => {});
  try {
    await Promise.race([waitFor(/"msg":"gateway listening"/), endedEarly]);
  } catch (error) {
    // Nobody will call stop() on a gateway that never said it listens: it must not outlive the test.
    child.kill('SIGKILL');
    throw error;
  }
  const line = stdout.split('\n').find((l) => l.includes('"msg":"gateway listening"'))!;
  const { url } = JSON.parse(line) as { url: string };
  return {
    url,
    child,
    output: () => stdout,
    waitFor,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
        const code = await exited;
        clearTimeout(force);
        return code;
      }
      return child.exitCode;
    },
    exitedWithin: (ms) => exitedWithin(exited, ms),
  };
}

/** The exit code once `exited` resolves, or 'still running' after `ms`. */
export async function exitedWithin(exited: Promise<number | null>, ms: number): Promise<number | null | 'still running'> {
  let timer: NodeJS.Timeout | undefined;
  const running = new Promise<'still running'>((resolve) => (timer = setTimeout(() => resolve('still running'), ms)));
  try {
    return await Promise.race([exited, running]);
  } finally {
    clearTimeout(timer);
  }
}
