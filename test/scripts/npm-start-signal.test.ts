import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TEST_JWT_SECRET } from '../helpers/gateway.js';

/** Every process below `pid` (children, their children, …), from /proc. */
function descendants(pid: number): number[] {
  const found: number[] = [];
  const tasks = `/proc/${pid}/task`;
  if (!existsSync(tasks)) return found;
  for (const line of readFileSync(`${tasks}/${pid}/children`, 'utf8').split(' ').filter(Boolean)) {
    const child = Number(line);
    found.push(child, ...descendants(child));
  }
  return found;
}

const alive = (pid: number) => existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');

/**
 * A supervisor that signals `npm start` itself, not its process group (a
 * container whose command is `npm start`, a process manager, `kill <pid>`):
 * npm passes SIGTERM to its script's process, and the script's shell must not
 * stand between them (dash, Debian's `sh`, does not pass it on), or the
 * gateway is left running without its parent, still serving and holding its port.
 */
describe('`npm start` under a supervisor that signals npm only', () => {
  it('passes SIGTERM to the gateway, which drains and exits', async () => {
    const npm = spawn('npm', ['start'], {
      env: { PATH: process.env['PATH'] ?? '', PORT: '0', HOST: '127.0.0.1', JWT_SECRET: TEST_JWT_SECRET, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    npm.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const listening = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`gateway did not start within 60 s; stderr:\n${stderr}`)), 60_000);
      npm.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('"msg":"gateway listening"')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    const npmExited = new Promise<void>((resolve) => npm.once('exit', () => resolve()));
    let below: number[] = [];
    try {
      await listening;
      below = descendants(npm.pid!);
      expect(below.length).toBeGreaterThan(0);
      const { url } = JSON.parse(stdout.split('\n').find((l) => l.includes('"msg":"gateway listening"'))!) as { url: string };
      expect((await fetch(`${url}/healthz`)).status).toBe(200);

      npm.kill('SIGTERM');
      await npmExited;
      // Whatever npm ran must end too: the gateway drains (nothing in flight here) and exits on the signal.
      for (let i = 0; i < 400 && below.some(alive); i += 1) await new Promise((resolve) => setTimeout(resolve, 25));
      expect(below.filter(alive), `still running after npm got SIGTERM; stdout tail:\n${stdout.slice(-1500)}`).toEqual([]);
      expect(stdout).toContain('"signal":"SIGTERM"');
      await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    } finally {
      for (const pid of [npm.pid!, ...below]) if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
  }, 90_000);
});
