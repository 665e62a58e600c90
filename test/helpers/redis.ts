/**
 * A private `redis-server` for tests: a free loopback port, no persistence,
 * started and stopped by its own pid (STACK.md pitfall 7). Shared by every
 * suite that needs a real Redis (upstream cache, cost budgets).
 *
 * Missing binary: `startRedis` throws a message naming the package to
 * install. Suites use `describe.skipIf(redisMissing())`, which is false on CI
 * (`CI=true`) so the suite runs there and fails loudly instead of skipping.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { findBinary } from './binary.js';

export interface TestRedis {
  /** `redis://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** SIGTERM, then waits for the process to exit (SIGKILL after 3 s). Idempotent. */
  stop(): Promise<void>;
  /** SIGKILL at once, without waiting: a crash, for outage tests. */
  kill(): void;
  /** Starts a fresh, empty server on the same port (after stopping the old one if still running). */
  restart(): Promise<void>;
}

const INSTALL_HINT = 'redis-server is not installed: apt-get install redis-server (see .ci/run)';
const START_PATIENCE_MS = 5_000;
/** Every server started by this process, so a crashed test run leaves none behind. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** The `redis-server` binary on PATH (or /usr/bin, /usr/local/bin), or null. */
export function findRedisServer(): string | null {
  return findBinary('redis-server');
}

let noticePrinted = false;
/**
 * True when Redis suites should be skipped: the binary is missing and this is
 * not CI. Prints a notice once. On CI it returns false so `startRedis` fails.
 */
export function redisMissing(): boolean {
  if (findRedisServer() !== null || process.env['CI'] === 'true') return false;
  if (!noticePrinted) {
    noticePrinted = true;
    console.warn(`Skipping Redis-backed tests: ${INSTALL_HINT}.`);
  }
  return true;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** True when a server on `port` answers PING with +PONG within `timeoutMs`. */
export function pingRedis(port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

/**
 * A detached `sh` loop that kills the server once this test process is gone:
 * a worker killed by the runner (SIGKILL) never runs its 'exit' handler, and
 * its redis-server would otherwise outlive it. It ends by itself with the server.
 */
function watchdog(redisPid: number): void {
  const script = `while kill -0 ${process.pid} 2>/dev/null && kill -0 ${redisPid} 2>/dev/null; do sleep 1; done; kill -0 ${process.pid} 2>/dev/null || kill -9 ${redisPid} 2>/dev/null`;
  spawn('/bin/sh', ['-c', script], { stdio: 'ignore', detached: true }).unref();
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Spawns one server on `port` and waits for PING; rejects (with its last output) if it exits or stays silent. */
async function spawnOn(binary: string, port: number, dir: string): Promise<ChildProcess> {
  const args = ['--port', String(port), '--save', '', '--appendonly', 'no', '--bind', '127.0.0.1', '--dir', dir];
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (child.pid !== undefined) watchdog(child.pid);
  // Drained so a chatty server never blocks on a full pipe; the tail explains a failed start.
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-2_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let spawnError: Error | undefined;
  child.once('error', (error) => {
    spawnError = error;
  });
  const started = Date.now();
  while (Date.now() - started < START_PATIENCE_MS) {
    if (spawnError) throw spawnError;
    if (child.exitCode !== null || child.signalCode !== null) break;
    if (await pingRedis(port, 250)) return child;
    await sleep(25);
  }
  child.kill('SIGKILL');
  await exited(child);
  throw new Error(`redis-server on port ${port} did not answer PING:\n${output}`);
}

/**
 * Starts a private `redis-server` on a free loopback port with no persistence
 * and resolves once it answers PING. Throws with an install hint when the
 * binary is missing. Retries a few ports in case one is taken in between.
 * `binary` is for the helper's own test of the missing-binary message.
 */
export async function startRedis(binary: string | null = findRedisServer()): Promise<TestRedis> {
  if (binary === null) throw new Error(INSTALL_HINT);
  const dir = mkdtempSync(path.join(tmpdir(), 'bff-redis-'));
  let port = 0;
  let child: ChildProcess | undefined;
  let lastError: unknown;
  for (let attempt = 0; attempt < 3 && !child; attempt += 1) {
    port = await freePort();
    try {
      child = await spawnOn(binary, port, dir);
    } catch (error) {
      lastError = error;
    }
  }
  if (!child) throw lastError instanceof Error ? lastError : new Error(String(lastError));
  let current: ChildProcess = child;

  async function stopCurrent(): Promise<void> {
    if (current.exitCode !== null || current.signalCode !== null) return;
    current.kill('SIGTERM');
    const force = setTimeout(() => current.kill('SIGKILL'), 3_000);
    await exited(current);
    clearTimeout(force);
  }

  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      await stopCurrent();
      rmSync(dir, { recursive: true, force: true });
    },
    kill() {
      if (current.exitCode === null && current.signalCode === null) current.kill('SIGKILL');
    },
    async restart() {
      await stopCurrent();
      mkdirSync(dir, { recursive: true });
      current = await spawnOn(binary, port, dir);
    },
  };
}
