import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/gateway.js';
import { startFixtureUpstream, type FixtureUpstream } from '../helpers/fixture-upstream.js';
import { gql, startTestGateway } from '../helpers/gateway.js';

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

let upstream: FixtureUpstream;
let gateway: Gateway;
beforeAll(async () => {
  upstream = await startFixtureUpstream();
  gateway = await startTestGateway({
    upstreams: { ...upstream.urls, inventory: `http://127.0.0.1:${await closedPort()}` },
  });
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

describe('Readiness and a dead upstream', () => {
  it('stays ready (200) while an upstream refuses connections: the gateway itself can serve', async () => {
    const ready = await fetch(`${gateway.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
  });

  it('names the failing upstream in the verbose status, whose HTTP status stays the readiness', async () => {
    const verbose = await fetch(`${gateway.url}/readyz?verbose`);
    expect(verbose.status).toBe(200);
    expect(await verbose.json()).toMatchObject({
      status: 'ready',
      inFlight: 0,
      inFlightLimit: 64,
      upstreams: { inventory: 'down', users: 'up', products: 'up' },
      circuits: { inventory: 'closed' },
    });
  });

  it('reports the same facts in /metrics', async () => {
    const text = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(text).toMatch(/^bff_upstream_up\{service="inventory"\} 0$/m);
    expect(text).toMatch(/^bff_upstream_up\{service="users"\} 1$/m);
    expect(text).toMatch(/^bff_ready 1$/m);
  });

  it('nulls only the stock fields, with UPSTREAM_UNAVAILABLE at their paths and no address in the message', async () => {
    const { status, body } = await gql(gateway, 'web', '{ product(id: "fx-p3") { id name inStock stockLevel reviewCount } }');
    expect(status).toBe(200);
    expect(body.data).toEqual({ product: { id: 'fx-p3', name: 'Fx Chisel', inStock: null, stockLevel: null, reviewCount: 0 } });
    expect(body.errors!.map((e) => [e.path, e.extensions!.code])).toEqual([
      [['product', 'inStock'], 'UPSTREAM_UNAVAILABLE'],
      [['product', 'stockLevel'], 'UPSTREAM_UNAVAILABLE'],
    ]);
    expect(JSON.stringify(body.errors)).not.toMatch(/127\.0\.0\.1|localhost|:\d{4,5}/);
  });
});
