import { afterEach, describe, expect, it } from 'vitest';
import { SPAWNED_GATEWAY_TEST_MS, spawnGateway, type GatewayProcess } from '../helpers/gateway-process.js';
import { tempFile } from '../helpers/temp-file.js';

/**
 * Out of file descriptors, Node answers a connection it cannot accept with an
 * `error` event on the listening server (`accept EMFILE`), whenever libuv's
 * reserve descriptor is gone. Running out takes a process at its limit and a
 * race, so the preload reports those errors itself, as Node does: on SIGUSR2,
 * twice on the gateway's listener (the last server to listen).
 */
const PRELOAD = `
import net from 'node:net';
const listening = [];
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  this.once('listening', () => listening.push(this));
  return listen.apply(this, args);
};
process.on('SIGUSR2', () => {
  const server = listening.at(-1);
  process.stdout.write(JSON.stringify({ msg: 'accept errors reported' }) + '\\n');
  for (let i = 0; i < 2; i++) server.emit('error', Object.assign(new Error('accept EMFILE'), { code: 'EMFILE', errno: -24, syscall: 'accept' }));
});
`;

/**
 * With the edge thread, the public listener is the worker's: the preload adds
 * to the worker's code a handler that reports those errors on its listener when
 * the main thread asks (on SIGUSR2), for them to come back as the worker posts them.
 */
const EDGE_THREAD_PRELOAD = `
import { syncBuiltinESMExports } from 'node:module';
import threads from 'node:worker_threads';
const workers = [];
const REPORT = [
  "require('node:worker_threads').parentPort.on('message', (message) => {",
  "  if (message !== 'accept errors') return;",
  "  for (let i = 0; i < 2; i++) server.emit('error', Object.assign(new Error('accept EMFILE'), { code: 'EMFILE', errno: -24, syscall: 'accept' }));",
  "});",
].join('\\n');
threads.Worker = class extends threads.Worker {
  constructor(code, options) {
    super(options?.eval ? code + '\\n' + REPORT : code, options);
    workers.push(this);
  }
};
syncBuiltinESMExports();
process.on('SIGUSR2', () => {
  for (const worker of workers) worker.postMessage('accept errors');
});
`;

/**
 * The edge thread's worker failing (an uncaught error there: the preload posts it
 * a message it cannot read, on SIGUSR2) leaves nothing listening on the public port.
 */
const FAILING_EDGE_THREAD = `
import { syncBuiltinESMExports } from 'node:module';
import threads from 'node:worker_threads';
const workers = [];
threads.Worker = class extends threads.Worker {
  constructor(...args) {
    super(...args);
    workers.push(this);
  }
};
syncBuiltinESMExports();
process.on('SIGUSR2', () => {
  for (const worker of workers) worker.postMessage(null);
});
`;

/** The gateway still answers and runs, and logged the accept error as a warning. */
async function expectServingWithWarning(gateway: GatewayProcess): Promise<void> {
  expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
  expect(gateway.child.exitCode).toBeNull();
  const line = gateway
    .output()
    .split('\n')
    .find((l) => l.includes('a listener failed'));
  expect(line && JSON.parse(line)).toMatchObject({ level: 40, reason: 'accept EMFILE' });
}

describe('A listener that cannot accept a connection', () => {
  let gateway: GatewayProcess | undefined;
  afterEach(async () => {
    await gateway?.stop();
    gateway = undefined;
  });

  it('on the main thread (OVERLOAD_EDGE_THREAD=off), is logged, and the gateway goes on serving', async () => {
    const preload = tempFile('accept-errors.mjs', PRELOAD);
    gateway = await spawnGateway(null, { NODE_OPTIONS: `--import=${preload}`, AUDIENCES: 'public', OVERLOAD_EDGE_THREAD: 'off' });
    gateway.child.kill('SIGUSR2');
    await gateway.waitFor(/"msg":"accept errors reported"/);
    await expectServingWithWarning(gateway);
  }, SPAWNED_GATEWAY_TEST_MS);

  it('on the edge thread (the default), is logged too, and the gateway goes on serving', async () => {
    const preload = tempFile('edge-accept-errors.mjs', EDGE_THREAD_PRELOAD);
    gateway = await spawnGateway(null, { NODE_OPTIONS: `--import=${preload}`, AUDIENCES: 'public' });
    gateway.child.kill('SIGUSR2');
    await gateway.waitFor(/"msg":"a listener failed/);
    await expectServingWithWarning(gateway);
  }, SPAWNED_GATEWAY_TEST_MS);

  it('does not hide the edge thread failing: that still ends the process', async () => {
    const preload = tempFile('failing-edge-thread.mjs', FAILING_EDGE_THREAD);
    gateway = await spawnGateway(null, { NODE_OPTIONS: `--import=${preload}`, AUDIENCES: 'public' });
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
    gateway.child.kill('SIGUSR2');
    expect(await gateway.exitedWithin(15_000)).toBe(1);
    expect(gateway.output()).not.toContain('a listener failed');
  }, SPAWNED_GATEWAY_TEST_MS);
});
