import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICE_NAMES } from '../../clients/errors.js';
import type { User } from '../../clients/users/types.js';
import { createSeed, startDemoServices, type DemoServices } from '../../src/demo/index.js';
import { expectError, post, request } from './helpers.js';

describe('Demo services: shared HTTP behaviour', () => {
  let services: DemoServices;
  beforeAll(async () => {
    services = await startDemoServices();
  });
  afterAll(() => services.close());

  it('listens on a loopback port per service', () => {
    expect(Object.keys(services.urls).sort()).toEqual([...SERVICE_NAMES].sort());
    for (const url of Object.values(services.urls)) expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(new Set(Object.values(services.urls)).size).toBe(SERVICE_NAMES.length);
  });

  it.each(SERVICE_NAMES)('answers GET /health with 200 {"status":"ok"} on %s', async (name) => {
    const response = await request(`${services.urls[name]}/health`);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok' });
  });

  it('sends JSON as application/json; charset=utf-8', async () => {
    const response = await request(`${services.urls.users}/users/u1`);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
  });

  it('answers an unknown route with 404 and the error body', async () => {
    expectError(await request(`${services.urls.products}/nope`), 404, 'NOT_FOUND');
    expectError(await request(`${services.urls.users}/users/u1/extra`), 404, 'NOT_FOUND');
  });

  it('answers a known path with the wrong method with 405 and Allow', async () => {
    const response = await request(`${services.urls.users}/users/u1`, { method: 'DELETE' });
    expectError(response, 405, 'METHOD_NOT_ALLOWED');
    expect(response.headers.get('allow')).toBe('GET');
  });

  it('rejects a malformed JSON body with 400', async () => {
    const response = await request(`${services.urls.orders}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'malformed-1' },
      body: '{"userId": "u1", lines: ',
    });
    expectError(response, 400, 'BAD_REQUEST');
  });

  it('rejects a body over 1 MB with 413', async () => {
    const response = await post(`${services.urls.orders}/orders`, { padding: 'x'.repeat(1024 * 1024) }, { 'idempotency-key': 'big-1' });
    expectError(response, 413, 'PAYLOAD_TOO_LARGE');
  });

  it.each([
    ['products', '/products/p1'],
    ['products', '/products?ids=p1'],
    ['products', '/products?limit=2'],
    ['pricing', '/prices?productIds=p1&tier=free'],
    ['reviews', '/reviews/summary?productIds=p1'],
    ['reviews', '/reviews?productId=p1'],
  ] as const)('lets caches keep catalog reads: %s %s is public, max-age=30', async (name, path) => {
    const response = await request(`${services.urls[name]}${path}`);
    expect(response.headers.get('cache-control')).toBe('public, max-age=30');
  });

  it('lets caches keep stock only briefly', async () => {
    const response = await request(`${services.urls.inventory}/inventory?productIds=p1`);
    expect(response.headers.get('cache-control')).toBe('public, max-age=5');
  });

  it.each([
    ['users', '/users/u1'],
    ['users', '/users?ids=u1'],
    ['orders', '/orders?userId=u1'],
    ['orders', '/orders/o1'],
    ['notifications', '/notifications?userId=u1'],
    ['notifications', '/notifications/unread-count?userId=u1'],
  ] as const)('keeps user data out of shared caches: %s %s is private, no-store', async (name, path) => {
    const response = await request(`${services.urls[name]}${path}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('private, no-store');
  });

  it('marks errors no-store, so a 404 is never cached', async () => {
    const response = await request(`${services.urls.products}/products/p999999`);
    expect(response.status).toBe(404);
    expect(response.headers.get('cache-control')).toBe('no-store');
  });
});

describe('Demo services: call counters', () => {
  let services: DemoServices;
  beforeAll(async () => {
    services = await startDemoServices();
  });
  afterAll(() => services.close());

  it('counts requests per METHOD and path without the query, in process and over HTTP', async () => {
    services.resetStats();
    await request(`${services.urls.products}/products?ids=p1,p2`);
    await request(`${services.urls.products}/products?ids=p3`);
    await request(`${services.urls.products}/products/p1`);
    await request(`${services.urls.products}/nope`);
    const expected = { total: 4, byRoute: { 'GET /products': 2, 'GET /products/p1': 1, 'GET /nope': 1 } };
    expect(services.stats().products).toEqual(expected);
    expect(services.stats().users).toEqual({ total: 0, byRoute: {} });
    const overHttp = await request(`${services.urls.products}/_demo/stats`);
    expect(overHttp.body).toEqual({ service: 'products', ...expected });
  });

  it('does not count its own /_demo routes', async () => {
    services.resetStats();
    await request(`${services.urls.users}/_demo/stats`);
    await request(`${services.urls.users}/_demo/stats`);
    expect(services.stats().users.total).toBe(0);
  });

  it('resets the counters over HTTP and in process', async () => {
    await request(`${services.urls.pricing}/prices?productIds=p1&tier=pro`);
    expect(services.stats().pricing.total).toBeGreaterThan(0);
    const reset = await request(`${services.urls.pricing}/_demo/stats/reset`, { method: 'POST' });
    expect(reset.status).toBe(200);
    expect(services.stats().pricing).toEqual({ total: 0, byRoute: {} });
    await request(`${services.urls.users}/users/u1`);
    services.resetStats();
    expect(services.stats().users).toEqual({ total: 0, byRoute: {} });
  });
});

describe('Demo services: start-up options', () => {
  it('delays every response by latencyMs', async () => {
    const latencyMs = 120;
    const slow = await startDemoServices({ latencyMs });
    try {
      for (const url of [`${slow.urls.products}/products/p1`, `${slow.urls.users}/users/nobody`]) {
        const started = performance.now();
        await request(url);
        expect(performance.now() - started).toBeGreaterThanOrEqual(latencyMs);
      }
    } finally {
      await slow.close();
    }
  });

  it('serves the data it was given, and exposes it', async () => {
    const data = createSeed();
    data.users[0].name = 'Custom Name';
    const custom = await startDemoServices({ data });
    try {
      expect(custom.data).toBe(data);
      expect((await request<User>(`${custom.urls.users}/users/u1`)).body.name).toBe('Custom Name');
    } finally {
      await custom.close();
    }
  });

  it('rejects when a port is taken, and frees the ports it did open', async () => {
    const first = await startDemoServices();
    try {
      const usersPort = Number(new URL(first.urls.users).port);
      await expect(startDemoServices({ ports: { users: usersPort } })).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await first.close();
    }
  });

  it('closes promptly while clients hold idle keep-alive sockets', async () => {
    const services = await startDemoServices();
    await request(`${services.urls.users}/users/u1`);
    const started = performance.now();
    await services.close();
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});
