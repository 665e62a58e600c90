import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/gateway.js';
import { startFixtureUpstream, type FixtureUpstream } from '../helpers/fixture-upstream.js';
import { spawnGateway, type GatewayProcess } from '../helpers/gateway-process.js';
import { captureLogs, gql, startTestGateway } from '../helpers/gateway.js';

/** A test CA (its key thrown away) and a certificate it signed for 127.0.0.1 and localhost, valid until 2126. */
const TLS_DIR = path.join('test', 'fixtures', 'tls');
const PRODUCT = '{ product(id: "fx-p1") { id name stockLevel } }';

describe('Backing services over HTTPS, signed by a private CA', () => {
  let upstream: FixtureUpstream;
  beforeAll(async () => {
    upstream = await startFixtureUpstream({
      tls: { key: readFileSync(path.join(TLS_DIR, 'server-key.pem'), 'utf8'), cert: readFileSync(path.join(TLS_DIR, 'server.pem'), 'utf8') },
    });
  });
  afterAll(async () => {
    await upstream.close();
  });

  describe('with the CA given to Node (NODE_EXTRA_CA_CERTS)', () => {
    let gateway: GatewayProcess;
    beforeAll(async () => {
      gateway = await spawnGateway(upstream.urls, { NODE_EXTRA_CA_CERTS: path.resolve(TLS_DIR, 'ca.pem') });
    }, 60_000);
    afterAll(async () => {
      await gateway?.stop();
    });

    it('calls them over TLS and answers', async () => {
      const before = upstream.requests.length;
      const response = await fetch(`${gateway.url}/web/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: PRODUCT }),
      });
      const body = (await response.json()) as { data?: { product: unknown }; errors?: unknown[] };
      expect(body.errors).toBeUndefined();
      expect(body.data?.product).toMatchObject({ id: 'fx-p1', name: expect.any(String), stockLevel: expect.any(String) });
      expect(upstream.requests.length).toBeGreaterThan(before);
    });

    it('reports the services up in the verbose readiness', async () => {
      const status = (await (await fetch(`${gateway.url}/readyz?verbose`)).json()) as { upstreams: Record<string, 'up' | 'down'> };
      expect(Object.values(status.upstreams)).toEqual(Array(7).fill('up'));
    });
  });

  describe('without it', () => {
    let gateway: Gateway;
    const logs = captureLogs();
    beforeAll(async () => {
      gateway = await startTestGateway({ upstreams: upstream.urls, env: { LOG_LEVEL: 'info' }, logDestination: logs.destination });
    });
    afterAll(async () => {
      await gateway.close();
    });

    it('trusts no certificate it cannot verify: the fields are null with UPSTREAM_UNAVAILABLE, and no TLS detail is told', async () => {
      const before = upstream.requests.length;
      const response = await gql<{ product: unknown }>(gateway, 'web', PRODUCT, {}, { 'x-correlation-id': 'tls-untrusted' });
      expect(response.status).toBe(200);
      expect(response.body.data).toEqual({ product: null });
      expect(response.body.errors?.[0]?.extensions?.['code']).toBe('UPSTREAM_UNAVAILABLE');
      expect(JSON.stringify(response.body)).not.toMatch(/certificate|self.signed|127\.0\.0\.1|UNABLE_TO/i);
      // The handshake failed: no request reached the service.
      expect(upstream.requests.length).toBe(before);
      // The operator's log line says why: the certificate's verification code.
      const line = logs.lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l['correlationId'] === 'tls-untrusted' && l['msg'] === 'request');
      const failures = line?.['upstreamFailures'] as { service: string; code: string; reason: string }[];
      expect(failures.map((f) => f.service)).toContain('products');
      for (const failure of failures) expect(failure).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', reason: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    });
  });
});
