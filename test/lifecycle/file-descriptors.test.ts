import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { findBinary, skippedOutsideCi } from '../helpers/binary.js';
import { SPAWNED_GATEWAY_TEST_MS, spawnGateway, type GatewayProcess } from '../helpers/gateway-process.js';

const prlimit = findBinary('prlimit');

/** GET `path` on the one keep-alive connection of `agent`: a new connection could not be accepted once descriptors run out. */
function get(agent: Agent, url: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, url), { agent }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject).end();
  });
}

const sample = (metrics: string, name: string) => Number(metrics.split('\n').find((l) => l.startsWith(`${name} `))?.split(' ')[1]);

describe.skipIf(skippedOutsideCi(prlimit, 'Skipping the file-descriptor test: it needs prlimit (util-linux).'))('The gateway out of file descriptors', () => {
  let gateway: GatewayProcess | undefined;
  const clients: Socket[] = [];
  afterEach(async () => {
    for (const socket of clients.splice(0)) socket.destroy();
    await gateway?.stop();
    gateway = undefined;
  });

  it('answers on the connections it has, /metrics saying every descriptor is in use', async () => {
    gateway = await spawnGateway(null, { AUDIENCES: 'public' });
    const pid = gateway.child.pid!;
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    expect((await get(agent, gateway.url, '/healthz')).status).toBe(200);
    // A limit just above what it holds now, then idle client connections until it is reached.
    const limit = readdirSync(`/proc/${pid}/fd`).length + 20;
    execFileSync(prlimit!, ['--pid', String(pid), `--nofile=${limit}:`]);
    const { port } = new URL(gateway.url);
    for (let i = 0; i < 60; i++) clients.push(connect(Number(port), '127.0.0.1').on('error', () => {}));
    await expect.poll(() => readdirSync(`/proc/${pid}/fd`).length, { timeout: 10_000, interval: 50 }).toBeGreaterThanOrEqual(limit);

    expect((await get(agent, gateway.url, '/healthz')).status).toBe(200);
    const metrics = await get(agent, gateway.url, '/metrics');
    expect(metrics.status).toBe(200);
    // The ratio the BffGatewayFileDescriptors alert reads (deploy/prometheus/alerts.yml): 1, never 0.
    expect(sample(metrics.body, 'process_open_fds')).toBe(sample(metrics.body, 'process_max_fds'));
    agent.destroy();
  }, SPAWNED_GATEWAY_TEST_MS);
});
