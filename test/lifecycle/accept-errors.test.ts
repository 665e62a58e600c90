import { afterEach, describe, expect, it } from 'vitest';
import { spawnGateway, type GatewayProcess } from '../helpers/gateway-process.js';
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

describe('A listener that cannot accept a connection', () => {
  let gateway: GatewayProcess | undefined;
  afterEach(async () => {
    await gateway?.stop();
    gateway = undefined;
  });

  it('is logged, and the gateway goes on serving', async () => {
    const preload = tempFile('accept-errors.mjs', PRELOAD);
    gateway = await spawnGateway(null, { NODE_OPTIONS: `--import=${preload}`, AUDIENCES: 'public' });
    gateway.child.kill('SIGUSR2');
    await gateway.waitFor(/"msg":"accept errors reported"/);
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
    expect(gateway.child.exitCode).toBeNull();
    const line = gateway
      .output()
      .split('\n')
      .find((l) => l.includes('a listener failed'));
    expect(line && JSON.parse(line)).toMatchObject({ level: 40, reason: 'accept EMFILE' });
  });
});
