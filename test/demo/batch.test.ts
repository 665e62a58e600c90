import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceName } from '../../clients/errors.js';
import { startDemoServices, type DemoServices } from '../../src/demo/index.js';
import { expectError, ids, request } from './helpers.js';

interface BatchEndpoint {
  service: ServiceName;
  /** Path and query up to the ids parameter's value. */
  path: string;
  prefix: string;
  key: 'id' | 'productId';
}

const ENDPOINTS: BatchEndpoint[] = [
  { service: 'users', path: '/users?ids=', prefix: 'u', key: 'id' },
  { service: 'orders', path: '/orders?ids=', prefix: 'o', key: 'id' },
  { service: 'products', path: '/products?ids=', prefix: 'p', key: 'id' },
  { service: 'inventory', path: '/inventory?productIds=', prefix: 'p', key: 'productId' },
  { service: 'reviews', path: '/reviews/summary?productIds=', prefix: 'p', key: 'productId' },
  { service: 'pricing', path: '/prices?tier=pro&productIds=', prefix: 'p', key: 'productId' },
];

describe.each(ENDPOINTS)('Batch read $path', ({ service, path, prefix, key }) => {
  let services: DemoServices;
  beforeAll(async () => {
    services = await startDemoServices();
  });
  afterAll(() => services.close());

  const read = async (list: string): Promise<{ status: number; keys: string[]; body: unknown }> => {
    const response = await request<{ items: Record<string, unknown>[] }>(`${services.urls[service]}${path}${list}`);
    return { status: response.status, keys: response.body.items?.map((item) => String(item[key])) ?? [], body: response.body };
  };

  it('answers { items } for up to 100 ids', async () => {
    const response = await read(ids(prefix, 100).join(','));
    expect(response.status).toBe(200);
    expect(response.keys.length).toBeGreaterThan(0);
    expect(response.keys.length).toBeLessThanOrEqual(100);
  });

  it('rejects 101 ids with 400 and the error body', async () => {
    expectError(await request(`${services.urls[service]}${path}${ids(prefix, 101).join(',')}`), 400, 'BAD_REQUEST');
  });

  it('rejects a missing or empty id list with 400', async () => {
    expectError(await request(`${services.urls[service]}${path}`), 400, 'BAD_REQUEST');
    expectError(await request(`${services.urls[service]}${path}%20,,`), 400, 'BAD_REQUEST');
  });

  it('omits unknown ids', async () => {
    const response = await read(`${prefix}1,${prefix}999999,nope`);
    expect(response.status).toBe(200);
    expect(response.keys).toEqual([`${prefix}1`]);
  });

  it('returns a duplicated id once', async () => {
    expect((await read(`${prefix}2,${prefix}2,${prefix}2`)).keys).toEqual([`${prefix}2`]);
  });

  it('trims ids and ignores empty entries', async () => {
    expect((await read(`%20${prefix}1%20,,${prefix}2,`)).keys).toEqual([`${prefix}1`, `${prefix}2`]);
  });

  it('returns items in stored order, not the order asked', async () => {
    expect((await read(`${prefix}3,${prefix}1,${prefix}2`)).keys).toEqual([`${prefix}1`, `${prefix}2`, `${prefix}3`]);
  });
});
