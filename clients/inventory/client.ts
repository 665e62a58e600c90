import type { InventoryClient } from '../index.js';
import { batchRead, type Upstream } from '../upstream.js';
import { parseItems } from '../validate.js';
import { parseStockRow } from './parse.js';

/** The inventory service's verbs (CONTRACT.md §1 inventory) over one bound upstream. */
export function createInventoryClient(up: Upstream): InventoryClient {
  return {
    getStockByProductIds: (productIds) =>
      batchRead(productIds, (chunk) =>
        up.get('/inventory', ['inventory'], { productIds: chunk }, (body) => parseItems(body, parseStockRow)),
      ),
  };
}
