import { afterEach, describe, expect, it } from 'vitest';
import { spawnGateway, type GatewayProcess } from '../helpers/gateway-process.js';
import { tempFile } from '../helpers/temp-file.js';

/** A process that ends otherwise than by its drain (a failed start, an uncaught error): on SIGUSR2 it exits with 3. */
const EXIT_ON_SIGUSR2 = `process.on('SIGUSR2', () => process.exit(3));\n`;

/** One request, and so one request log line of about 300 bytes. */
async function send(gateway: GatewayProcess, i: number): Promise<number> {
  const response = await fetch(`${gateway.url}/web/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-correlation-id': `stalled-${i}` },
    body: JSON.stringify({ query: `query Q${i} { __typename }` }),
  });
  await response.arrayBuffer();
  return response.status;
}

async function droppedLines(gateway: GatewayProcess): Promise<number> {
  const text = await (await fetch(`${gateway.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('bff_log_lines_dropped_total '));
  return line === undefined ? Number.NaN : Number(line.split(' ')[1]);
}

/**
 * Whatever reads the gateway's stdout (the container runtime, a log shipper)
 * can stall: the pipe fills, and every log line after that waits in the
 * gateway's memory.
 */
describe('The gateway whose stdout is not read', () => {
  let gateway: GatewayProcess | undefined;
  afterEach(async () => {
    gateway?.child.stdout?.resume();
    await gateway?.stop();
    gateway = undefined;
  });

  it('keeps serving, drops and counts the log lines past its buffer, and says how many once stdout is read again', async () => {
    // The smallest buffer the setting allows (64 KiB), so that a few thousand requests overflow it.
    gateway = await spawnGateway(null, { AUDIENCES: 'web', LOG_BUFFER_BYTES: '65536' });
    gateway.child.stdout!.pause();
    // About 900 KB of request log lines: more than the pipe, the reader's buffer and the 64 KiB the gateway keeps.
    const statuses = new Set<number>();
    for (let i = 0; i < 3_000; i++) statuses.add(await send(gateway, i));
    expect([...statuses]).toEqual([200]);
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
    const dropped = await droppedLines(gateway);
    expect(dropped).toBeGreaterThan(0);

    gateway.child.stdout!.resume();
    await gateway.waitFor(/"msg":"log lines dropped: stdout was not read"/);
    const report = gateway
      .output()
      .split('\n')
      .find((l) => l.includes('"msg":"log lines dropped: stdout was not read"'))!;
    expect(JSON.parse(report)).toMatchObject({ level: 40, droppedLines: dropped });
  }, 120_000);

  it('ends on SIGTERM with exit code 0 while its stdout stays unread', async () => {
    gateway = await spawnGateway(null, { AUDIENCES: 'web', SHUTDOWN_TIMEOUT_MS: '5000' });
    gateway.child.stdout!.pause();
    // About 300 KB of log lines, more than the pipe and the reader's buffer hold: the last ones can never be written out.
    for (let i = 0; i < 1_000; i++) expect(await send(gateway, i)).toBe(200);
    // stop() sends SIGTERM, and SIGKILL 10 s later: an exit code of null is a process that never ended by itself.
    expect(await gateway.stop()).toBe(0);
  }, 60_000);

  // Its last lines were written again every 100 ms for ever (EPIPE): a process that had finished its drain and
  // closed its port, and never ended.
  it('ends on SIGTERM with exit code 0 once whatever read its stdout has gone', async () => {
    gateway = await spawnGateway(null, { AUDIENCES: 'web' });
    expect(await send(gateway, 0)).toBe(200);
    gateway.child.stdout!.destroy();
    // stop() sends SIGTERM, and SIGKILL 10 s later: an exit code of null is a process that never ended by itself.
    expect(await gateway.stop()).toBe(0);
  }, 60_000);

  it('ends when it exits otherwise, with the exit code it chose, while its stdout stays unread', async () => {
    gateway = await spawnGateway(null, { NODE_OPTIONS: `--import=${tempFile('exit-on-signal.mjs', EXIT_ON_SIGUSR2)}`, AUDIENCES: 'web' });
    gateway.child.stdout!.pause();
    for (let i = 0; i < 1_000; i++) expect(await send(gateway, i)).toBe(200);
    gateway.child.kill('SIGUSR2');
    expect(await gateway.exitedWithin(15_000)).toBe(3);
  }, 60_000);
});
