import type { Audience } from '../context.js';

/** What the playground opens with: one of the contract's operations (CONTRACT.md §2) and its variables. */
export interface ExampleOperation {
  query: string;
  /** JSON text for the variables editor; empty when the operation takes none. */
  variables: string;
  /** The header a client of this audience authenticates with, shown as a comment above the query. */
  credentialHint: string;
}

const MOBILE_DASHBOARD = `query MobileDashboard {
  dashboard {
    user { id name avatarUrl }
    recentOrders { id status createdAt total { amount currency } itemCount }
    unreadCount
  }
}
`;

const PRODUCT_PAGE = `query ProductPage($id: ID!) {
  product(id: $id) {
    id name description imageUrl
    inStock stockLevel
    rating reviewCount
    price { amount currency }
    originalPrice { amount currency }
    reviews(first: 3) {
      edges { cursor node { id rating title author { id name } } }
      pageInfo { hasNextPage endCursor }
    }
  }
}
`;

const CATALOG = `query Catalog($first: Int!, $after: String) {
  products(first: $first, after: $after) {
    edges { cursor node { id name description price { amount currency } inStock rating } }
    pageInfo { hasNextPage endCursor }
  }
}
`;

const BEARER = '{"Authorization": "Bearer <JWT>"}';

/** The example operation per audience, so a first visit can press run and see data. */
export const EXAMPLE_OPERATIONS: Record<Audience, ExampleOperation> = {
  mobile: { query: MOBILE_DASHBOARD, variables: '', credentialHint: BEARER },
  web: { query: PRODUCT_PAGE, variables: '{"id": "p1"}', credentialHint: BEARER },
  public: { query: CATALOG, variables: '{"first": 5}', credentialHint: '{"X-API-Key": "<your key>"}' },
};

/** The query editor's opening text: a comment on how to authenticate, then the operation. */
export function exampleDocument(audience: Audience): string {
  const { query, credentialHint } = EXAMPLE_OPERATIONS[audience];
  return [
    `# The ${audience} API of bff-gateway.`,
    `# Credentials go in the Headers tab below:`,
    `#   ${credentialHint}`,
    '# Run: the pink button, or Ctrl-Enter.',
    '# Docs: the book icon at the top left.',
    '',
    query,
  ].join('\n');
}
