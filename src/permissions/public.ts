import { fields, hasScope, type RuleTree } from './rules.js';

/** Partners read the catalog with an API key holding this scope. */
const CATALOG_READ = 'catalog:read';

const PRODUCT_FIELDS = [
  'id', 'name', 'description', 'imageUrl', 'thumbnailUrl', 'categoryId', 'tags',
  'price', 'originalPrice', 'inStock', 'stockLevel', 'rating', 'reviewCount',
] as const;

// Contextual: nested fields cost one cache lookup each, not a new decision.
const canReadCatalog = hasScope(CATALOG_READ);

/**
 * The partner catalog's rules: every field needs an API key with
 * `catalog:read` (UNAUTHENTICATED without a key, FORBIDDEN without the scope).
 */
export const publicRules: RuleTree = {
  Query: { products: canReadCatalog, product: canReadCatalog },
  Product: fields(PRODUCT_FIELDS, canReadCatalog),
  ProductConnection: fields(['edges', 'pageInfo'], canReadCatalog),
  ProductEdge: fields(['cursor', 'node'], canReadCatalog),
  Money: fields(['amount', 'currency'], canReadCatalog),
  PageInfo: fields(['hasNextPage', 'endCursor'], canReadCatalog),
};
