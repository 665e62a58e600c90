import { insideFields } from './placement.js';
import { hasScope, type RuleTree } from './rules.js';

/** Partners read the catalog with an API key holding this scope. */
const CATALOG_READ = 'catalog:read';

const PRODUCT_FIELDS = [
  'id', 'name', 'description', 'imageUrl', 'thumbnailUrl', 'categoryId', 'tags',
  'price', 'originalPrice', 'inStock', 'stockLevel', 'rating', 'reviewCount',
] as const;

// Decided once per request, however many fields.
const canReadCatalog = hasScope(CATALOG_READ);

/**
 * The partner catalog's rules: every field needs an API key with
 * `catalog:read` (UNAUTHENTICATED without a key, FORBIDDEN without the scope).
 * The root fields check it; everything else is reachable only through them,
 * which start-up verifies, so nothing below the root is checked again.
 */
export const publicRules: RuleTree = {
  Query: { products: canReadCatalog, product: canReadCatalog },
  Product: insideFields(PRODUCT_FIELDS, canReadCatalog),
  ProductConnection: insideFields(['edges', 'pageInfo'], canReadCatalog),
  ProductEdge: insideFields(['cursor', 'node'], canReadCatalog),
  Money: insideFields(['amount', 'currency'], canReadCatalog),
  PageInfo: insideFields(['hasNextPage', 'endCursor'], canReadCatalog),
};
