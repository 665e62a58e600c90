import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StockRow } from '../../clients/inventory/types.js';
import { startDemoServices, type DemoServices } from '../../src/demo/index.js';
import { request } from './helpers.js';

describe('Demo inventory service', () => {
  let services: DemoServices;
  beforeAll(async () => {
    services = await startDemoServices();
  });
  afterAll(() => services.close());

  it('answers rows only for products that have one: p1 high, p2 low, p3 zero, p4 none', async () => {
    const response = await request<{ items: StockRow[] }>(`${services.urls.inventory}/inventory?productIds=p1,p2,p3,p4`);
    expect(response.status).toBe(200);
    const byId = new Map(response.body.items.map((row) => [row.productId, row]));
    expect([...byId.keys()].sort()).toEqual(['p1', 'p2', 'p3']);
    expect(byId.get('p1')?.quantity).toBeGreaterThan(10);
    expect(byId.get('p2')?.quantity).toBeGreaterThanOrEqual(1);
    expect(byId.get('p2')?.quantity).toBeLessThanOrEqual(10);
    expect(byId.get('p3')?.quantity).toBe(0);
    for (const row of response.body.items) expect(row.warehouse).toEqual(expect.any(String));
  });
});
