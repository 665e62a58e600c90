import { TIERS } from '../../clients/types.js';
import type { PriceRow } from '../../clients/pricing/types.js';
import type { DemoData } from './data.js';
import { createHandler, PUBLIC_CACHE, type DemoHandler, type HandlerOptions } from './http.js';
import { badRequest } from './errors.js';
import { requiredParam } from './params.js';
import { batchRead } from './reads.js';
import { Table } from './table.js';

/**
 * The pricing service (CONTRACT.md §1 "pricing"):
 * `GET /prices?productIds=&tier=free|pro|enterprise`; `currentPrice` depends
 * on the tier, a missing or unknown tier is a 400.
 */
export function createPricingHandler(data: DemoData, options: HandlerOptions = {}): DemoHandler {
  // One table per tier, built once, so a request only picks rows.
  const byTier = new Map<string, Table<PriceRow>>(
    TIERS.map((tier) => [
      tier,
      new Table(
        data.prices.map((point) => ({ productId: point.productId, currentPrice: point.currentPrice[tier], listPrice: point.listPrice })),
        (row) => row.productId,
      ),
    ]),
  );
  return createHandler(
    {
      name: 'pricing',
      cacheControl: PUBLIC_CACHE,
      routes: [
        {
          method: 'GET',
          path: '/prices',
          handle: ({ query }) => {
            const tier = requiredParam(query, 'tier');
            const prices = byTier.get(tier);
            if (prices === undefined) throw badRequest(`tier must be one of ${TIERS.join(', ')}`);
            return batchRead(query, 'productIds', prices);
          },
        },
      ],
    },
    options,
  );
}
