import type { PricingClient } from '../index.js';
import { batchRead, type Upstream } from '../upstream.js';
import { parseItems } from '../validate.js';
import { parsePriceRow } from './parse.js';

/** The pricing service's verbs (CONTRACT.md §1 pricing) over one bound upstream. */
export function createPricingClient(up: Upstream): PricingClient {
  return {
    getPricesByProductIds: (productIds, tier) =>
      batchRead(productIds, (chunk) =>
        up.get('/prices', ['prices'], { productIds: chunk, tier }, (body) => parseItems(body, parsePriceRow)),
      ),
  };
}
