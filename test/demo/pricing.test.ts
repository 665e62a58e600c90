import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PriceRow } from '../../clients/pricing/types.js';
import { TIERS } from '../../clients/types.js';
import { startDemoServices, type DemoServices } from '../../src/demo/index.js';
import { expectError, request } from './helpers.js';

describe('Demo pricing service', () => {
  let services: DemoServices;
  beforeAll(async () => {
    services = await startDemoServices();
  });
  afterAll(() => services.close());

  const prices = (query: string) => request<{ items: PriceRow[] }>(`${services.urls.pricing}/prices?${query}`);

  it('answers list and current price in integer minor units of USD', async () => {
    const response = await prices('productIds=p1&tier=free');
    expect(response.status).toBe(200);
    expect(response.body.items).toEqual([
      { productId: 'p1', currentPrice: { amountMinor: expect.any(Number), currency: 'USD' }, listPrice: { amountMinor: expect.any(Number), currency: 'USD' } },
    ]);
    const [row] = response.body.items;
    expect(Number.isInteger(row?.currentPrice.amountMinor)).toBe(true);
    expect(row?.currentPrice).toEqual(row?.listPrice);
  });

  it('prices differ by tier: free > pro > enterprise, list price the same', async () => {
    const [free, pro, enterprise] = await Promise.all(TIERS.map(async (tier) => (await prices(`productIds=p1&tier=${tier}`)).body.items[0]));
    expect(free?.currentPrice.amountMinor).toBeGreaterThan(pro?.currentPrice.amountMinor ?? Infinity);
    expect(pro?.currentPrice.amountMinor).toBeGreaterThan(enterprise?.currentPrice.amountMinor ?? Infinity);
    expect(free?.listPrice).toEqual(enterprise?.listPrice);
  });

  it('shows a sale as a current price under the list price', async () => {
    const [row] = (await prices('productIds=p2&tier=free')).body.items;
    expect(row?.currentPrice.amountMinor).toBeLessThan(row?.listPrice.amountMinor ?? 0);
  });

  it.each(['', 'tier=', 'tier=gold', 'tier=PRO'])('rejects a missing or unknown tier (%s) with 400', async (tier) => {
    expectError(await prices(`productIds=p1&${tier}`), 400, 'BAD_REQUEST');
  });
});
