import type { Product } from '../../clients/products/types.js';
import type { DemoData } from './data.js';
import { createHandler, PUBLIC_CACHE, type DemoHandler, type HandlerOptions } from './http.js';
import { pageReply } from './paging.js';
import { optionalParam } from './params.js';
import { batchRead, singleRead } from './reads.js';
import { compareIds, Table } from './table.js';

const byId = (a: Product, b: Product): number => compareIds(a.id, b.id);

/**
 * The products service (CONTRACT.md §1 "products"): `GET /products/{id}`,
 * `GET /products?ids=`, and `GET /products?limit=&cursor=&categoryId=&q=`
 * ordered by id in natural order (p2 before p10), `q` a case-insensitive
 * substring of the name.
 */
export function createProductsHandler(data: DemoData, options: HandlerOptions = {}): DemoHandler {
  const products = new Table(data.products, (product) => product.id);
  const sorted = [...data.products].sort(byId);
  const searchable = sorted.map((product) => ({ product, name: product.name.toLowerCase() }));

  const filtered = (categoryId: string | undefined, q: string | undefined): readonly Product[] => {
    if (categoryId === undefined && q === undefined) return sorted;
    const matches = ({ product, name }: (typeof searchable)[number]): boolean =>
      (categoryId === undefined || product.categoryId === categoryId) && (q === undefined || name.includes(q));
    return searchable.filter(matches).map(({ product }) => product);
  };

  return createHandler(
    {
      name: 'products',
      cacheControl: PUBLIC_CACHE,
      routes: [
        { method: 'GET', path: '/products/:id', handle: ({ params }) => singleRead(products, params.id, 'product') },
        {
          method: 'GET',
          path: '/products',
          handle: ({ query }) => {
            if (query.has('ids')) return batchRead(query, 'ids', products);
            const categoryId = optionalParam(query, 'categoryId');
            const q = optionalParam(query, 'q')?.toLowerCase();
            const listId = `products?${new URLSearchParams({ categoryId: categoryId ?? '', q: q ?? '' })}`;
            return pageReply(query, { id: listId, items: filtered(categoryId, q), compare: byId, find: (id) => products.get(id) });
          },
        },
      ],
    },
    options,
  );
}
