import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { findBinary, skippedOutsideCi } from '../helpers/binary.js';
import { startFixtureUpstream, type FixtureUpstream } from '../helpers/fixture-upstream.js';
import { SPAWNED_GATEWAY_TEST_MS, spawnGateway, type GatewayProcess } from '../helpers/gateway-process.js';

const prlimit = findBinary('prlimit');

/** GET `path` on the one keep-alive connection of `agent`: a new connection could not be accepted once descriptors run out. */
function get(agent: Agent, url: string, path: string): Promise<{ status: number; body: string }> {
  return send(agent, url, path);
}

/** One request on `agent`'s connection: a POST when `body` is given. */
function send(agent: Agent, url: string, path: string, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const post = body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' } };
    const req = request(new URL(path, url), { agent, ...post }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject).end(body);
  });
}

const sample = (metrics: string, name: string) => Number(metrics.split('\n').find((l) => l.startsWith(`${name} `))?.split(' ')[1]);

describe.skipIf(skippedOutsideCi(prlimit, 'Skipping the file-descriptor test: it needs prlimit (util-linux).'))('The gateway out of file descriptors', () => {
  let gateway: GatewayProcess | undefined;
  let upstream: FixtureUpstream | undefined;
  const clients: Socket[] = [];
  afterEach(async () => {
    for (const socket of clients.splice(0)) socket.destroy();
    await gateway?.stop();
    await upstream?.close();
    gateway = upstream = undefined;
  });

  /**
   * Lowers the gateway's descriptor limit to what it holds now plus a few, then holds idle connections until none is
   * left; resolves with the limit.
   */
  async function exhaustDescriptors(gw: GatewayProcess): Promise<number> {
    const pid = gw.child.pid!;
    const limit = readdirSync(`/proc/${pid}/fd`).length + 20;
    execFileSync(prlimit!, ['--pid', String(pid), `--nofile=${limit}:`]);
    const { port } = new URL(gw.url);
    for (let i = 0; i < 60; i++) clients.push(connect(Number(port), '127.0.0.1').on('error', () => {}));
    await expect.poll(() => readdirSync(`/proc/${pid}/fd`).length, { timeout: 10_000, interval: 50 }).toBeGreaterThanOrEqual(limit);
    return limit;
  }

  it('answers on the connections it has, /metrics saying every descriptor is in use', async () => {
    gateway = await spawnGateway(null, { AUDIENCES: 'public' });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    expect((await get(agent, gateway.url, '/healthz')).status).toBe(200);
    await exhaustDescriptors(gateway);

    expect((await get(agent, gateway.url, '/healthz')).status).toBe(200);
    const metrics = await get(agent, gateway.url, '/metrics');
    expect(metrics.status).toBe(200);
    // The ratio the BffGatewayFileDescriptors alert reads (deploy/prometheus/alerts.yml): 1, never 0.
    expect(sample(metrics.body, 'process_open_fds')).toBe(sample(metrics.body, 'process_max_fds'));
    agent.destroy();
  }, SPAWNED_GATEWAY_TEST_MS);

  // A call that cannot open a socket here (EMFILE) says nothing of the service: counted as the service failing, it
  // opened every circuit it touched, so for their cool-down (10 s) the service was not asked even once descriptors
  // were free again.
  it('does not open an upstream circuit for want of a descriptor of its own', async () => {
    upstream = await startFixtureUpstream();
    gateway = await spawnGateway(upstream.urls, { AUDIENCES: 'web', CIRCUIT_FAILURE_THRESHOLD: '2', CIRCUIT_COOLDOWN_MS: '600000' });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    expect((await get(agent, gateway.url, '/healthz')).status).toBe(200);
    const limit = await exhaustDescriptors(gateway);
    const product = JSON.stringify({ query: '{ product(id: "fx-p1") { id name } }' });
    // No socket to the products service can be opened: each request's call fails, and the process keeps answering.
    for (let i = 0; i < 3; i++) {
      const refused = await send(agent, gateway.url, '/web/graphql', product);
      expect(refused.status).toBe(200);
      expect(JSON.parse(refused.body)).toMatchObject({ data: { product: null }, errors: [{ extensions: { code: 'UPSTREAM_UNAVAILABLE', service: 'products' } }] });
    }
    const callsBefore = upstream.requests.length;
    for (const socket of clients.splice(0)) socket.destroy();
    // Room again for the calls of one request (a loaded machine closes the gateway's side of those connections later).
    await expect.poll(() => readdirSync(`/proc/${gateway!.child.pid!}/fd`).length, { timeout: 10_000, interval: 50 }).toBeLessThanOrEqual(limit - 10);
    const served = await send(agent, gateway.url, '/web/graphql', product);
    const answer = JSON.parse(served.body) as { data: unknown; errors?: unknown };
    expect(answer.errors).toBeUndefined();
    expect(answer.data).toEqual({ product: { id: 'fx-p1', name: 'Fx Anvil' } });
    expect(upstream.requests.length).toBeGreaterThan(callsBefore);
    agent.destroy();
  }, SPAWNED_GATEWAY_TEST_MS);
});
