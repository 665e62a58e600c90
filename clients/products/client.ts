import type { ProductsClient } from '../index.js';
import { batchRead, pageQuery, type Upstream } from '../upstream.js';
import { parseItems, parsePage } from '../validate.js';
import { parseProduct } from './parse.js';

/** The products service's verbs (CONTRACT.md §1 products) over one bound upstream. */
export function createProductsClient(up: Upstream): ProductsClient {
  return {
    getProduct: (id) => up.getOrNull('/products/{id}', ['products', id], parseProduct),
    getProductsByIds: (ids) =>
      batchRead(ids, (chunk) =>
        up.get('/products?ids', ['products'], { ids: chunk }, (body) => parseItems(body, parseProduct)),
      ),
    listProducts: (query = {}, page) =>
      up.get(
        '/products',
        ['products'],
        { ...pageQuery(page), categoryId: query.categoryId, q: query.q },
        (body) => parsePage(body, parseProduct),
      ),
  };
}
