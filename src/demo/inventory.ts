import type { DemoData } from './data.js';
import { createHandler, type DemoHandler, type HandlerOptions } from './http.js';
import { batchRead } from './reads.js';
import { Table } from './table.js';

/** Stock moves faster than the catalog, so it may be cached for less time. */
const INVENTORY_CACHE = 'public, max-age=5';

/**
 * The inventory service (CONTRACT.md §1 "inventory"): `GET /inventory?productIds=`
 * answers rows only for products that have one; no row means quantity 0.
 */
export function createInventoryHandler(data: DemoData, options: HandlerOptions = {}): DemoHandler {
  const stock = new Table(data.stock, (row) => row.productId);
  return createHandler(
    {
      name: 'inventory',
      cacheControl: INVENTORY_CACHE,
      routes: [{ method: 'GET', path: '/inventory', handle: ({ query }) => batchRead(query, 'productIds', stock) }],
    },
    options,
  );
}
