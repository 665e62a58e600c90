import type { Audience } from '../context.js';
import type { TrustedDocuments } from '../persisted/manifest.js';
import type { TrustedDocumentsMode } from '../persisted/mode.js';

/** What the playground opens with: one of the contract's operations (CONTRACT.md §2) and its variables. */
export interface ExampleOperation {
  /** The operation's name: the manifest's entry of it is what opens under `required` trusted documents. */
  name: string;
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
  mobile: { name: 'MobileDashboard', query: MOBILE_DASHBOARD, variables: '', credentialHint: BEARER },
  web: { name: 'ProductPage', query: PRODUCT_PAGE, variables: '{"id": "p1"}', credentialHint: BEARER },
  public: { name: 'Catalog', query: CATALOG, variables: '{"first": 5}', credentialHint: '{"X-API-Key": "<your key>"}' },
};

/** The query editor's opening text: a comment on how to authenticate, then the operation. */
function exampleDocument(audience: Audience): string {
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

/**
 * The query editor's opening text for an audience whose trusted-documents
 * mode is `mode`: under `required` only a manifest's exact text runs (a
 * comment line changes its hash), so the page opens on the manifest's text
 * of the example operation, without the comment; otherwise on
 * `exampleDocument`.
 */
export function openingDocument(audience: Audience, mode: TrustedDocumentsMode, manifest: TrustedDocuments | undefined): string {
  if (mode === 'required' && manifest) {
    const { name } = EXAMPLE_OPERATIONS[audience];
    for (const operation of manifest.values()) if (operation.name === name) return operation.body;
  }
  return exampleDocument(audience);
}
