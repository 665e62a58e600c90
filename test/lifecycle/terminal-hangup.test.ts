import { execFileSync, spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { TEST_JWT_SECRET } from '../helpers/gateway.js';
import { alive, childrenOf } from '../helpers/proc.js';

const NEEDS_SCRIPT = 'the terminal test needs `script`, which runs a command on a terminal of its own: install util-linux (Debian: bsdutils)';

function hasScript(): boolean {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * True when the suite should be skipped: `script` is missing and this is not CI (a notice says so). On CI
 * (`CI=true`) it never is: the test runs and fails saying what to install, as the Redis and Chromium suites do.
 */
function scriptMissing(): boolean {
  if (hasScript() || process.env['CI'] === 'true') return false;
  process.stderr.write(`notice: skipped: ${NEEDS_SCRIPT}\n`);
  return true;
}


/**
 * SIGHUP reads API_KEYS_FILE again; but the gateway started in a terminal
 * (`npm start` on a laptop, in an SSH session) also gets one when that
 * terminal goes away, and then its log lines have nowhere to go: a write to a
 * hung-up terminal fails, and the logger's flush at exit retries it forever,
 * leaving a process that holds its port and serves nothing.
 */
describe.skipIf(scriptMissing())('The gateway run in a terminal', () => {
  it('ends when that terminal hangs up, freeing its port', async () => {
    if (!hasScript()) throw new Error(NEEDS_SCRIPT);
    const terminal = spawn('script', ['-qfec', `exec "${process.execPath}" scripts/start.mjs`, '/dev/null'], {
      env: { PATH: process.env['PATH'] ?? '', PORT: '0', HOST: '127.0.0.1', JWT_SECRET: TEST_JWT_SECRET, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    terminal.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    let gateway: number[] = [];
    try {
      await expect.poll(() => output.includes('"msg":"gateway listening"'), { timeout: 30_000, interval: 50 }).toBe(true);
      gateway = childrenOf(terminal.pid!);
      expect(gateway).toHaveLength(1);
      const { url } = JSON.parse(output.split('\n').find((l) => l.includes('"msg":"gateway listening"'))!.trim()) as { url: string };
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      // A SIGHUP sent while the terminal is there is the operator's: the keys are read again, the gateway goes on.
      process.kill(gateway[0]!, 'SIGHUP');
      await expect.poll(() => output.includes('"msg":"API_KEYS_FILE read again"'), { timeout: 5_000, interval: 50 }).toBe(true);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);

      // The terminal closed (its window, a dropped SSH session): the kernel hangs it up and sends SIGHUP.
      terminal.kill('SIGKILL');
      await expect.poll(() => alive(gateway[0]!), { timeout: 5_000, interval: 50 }).toBe(false);
      await expect(fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) })).rejects.toThrow();
    } finally {
      if (terminal.exitCode === null && terminal.signalCode === null) terminal.kill('SIGKILL');
      for (const pid of gateway) if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
  }, 60_000);
});
