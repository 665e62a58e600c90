/**
 * The benchmark's scenarios: each contract operation as the gateway receives
 * it, and the same question as the baseline receives it (a plain GET whose
 * JSON answer equals the gateway's `data`).
 */
import type { Audience } from '../src/context.js';
import { loadTrustedDocuments, type TrustedDocuments } from '../src/persisted/manifest.js';
import { isFirstParty } from '../src/persisted/mode.js';
import { CATALOG, MOBILE_DASHBOARD, ORDER_HISTORY, PRODUCT_PAGE } from '../test/operations/contract.js';

export const SCENARIO_NAMES = ['ProductPage', 'MobileDashboard', 'OrderHistory', 'Catalog'] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

/** One HTTP request as the load generator sends it. */
export interface BenchRequest {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface Scenario {
  name: ScenarioName;
  /** Shown in the table, e.g. `OrderHistory(first: 20)`. */
  label: string;
  gateway: BenchRequest;
  baseline: BenchRequest;
  /**
   * Upstream calls one answer needs at the least, uncached: one per service
   * touched per level of fan-out. The baseline makes exactly these.
   */
  minUpstreamCalls: number;
  /** Target for gateway req/s ÷ baseline req/s at 0 ms upstream latency, gateway cache on / off. */
  ratioTarget: { on: number; off: number };
}

/** The same scenario asked for one user of the rotating pool. */
export interface UserRequests {
  gateway: BenchRequest;
  baseline: BenchRequest;
}

/** Who the benchmark acts as: demo user `u1` on the `pro` tier, and the pro demo API key. */
export const BENCH_USER = 'u1';
export const BENCH_TIER = 'pro';
export const BENCH_API_KEY = 'demo-public-key-pro';
/**
 * The rotating users of the 50-connection rows: demo users `u1`…`u50`, each
 * with its own token, so no two requests in flight share a viewer's data
 * (orders, profile, unread count) unless the pool wraps around.
 */
export const ROTATING_USERS = Array.from({ length: 50 }, (_, i) => `u${i + 1}`);

/** The apps' manifests, read (and checked) as the gateway reads them, once. */
const manifests = new Map<Audience, TrustedDocuments>();

/** The id an app's manifest gives the operation named `name`, as the app sends it. */
function manifestId(app: Audience, name: string): string {
  let documents = manifests.get(app);
  if (!documents) manifests.set(app, (documents = loadTrustedDocuments(app)));
  const entry = [...documents.values()].find((operation) => operation.name === name);
  if (entry === undefined) throw new Error(`the ${app} manifest has no operation ${name}`);
  return entry.id;
}

/**
 * How the gateway is asked: `text`, the full query text (what every document sends the first time, and what
 * partners send); `id`, the mobile and web apps' documents by their manifest id (`documentId`), as the apps send
 * them in production. The public API has no manifest: it is asked by text either way.
 */
export type DocumentForm = 'text' | 'id';

function graphql(audience: Audience, query: string, variables: Record<string, unknown>, auth: Record<string, string>, form: DocumentForm): BenchRequest {
  const name = /^\s*query (\w+)/.exec(query)?.[1] ?? '';
  const document = form === 'id' && isFirstParty(audience) ? { documentId: `sha256:${manifestId(audience, name)}` } : { query };
  return {
    method: 'POST',
    path: `/${audience}/graphql`,
    headers: { 'content-type': 'application/json', ...auth },
    body: JSON.stringify({ ...document, variables }),
  };
}

/** The four scenarios, with the bearer token the gateway is to see for `user`, its documents sent in `form`. */
export function createScenarios(token: string, user = BENCH_USER, form: DocumentForm = 'text'): Record<ScenarioName, Scenario> {
  const bearer = { authorization: `Bearer ${token}` };
  // The baseline trusts these headers: it measures aggregation, not authentication.
  const viewer = { 'x-user-id': user, 'x-user-tier': BENCH_TIER };
  return {
    ProductPage: {
      name: 'ProductPage',
      label: 'ProductPage',
      gateway: graphql('web', PRODUCT_PAGE, { id: 'p1' }, bearer, form),
      baseline: { method: 'GET', path: '/api/product/p1', headers: viewer },
      // products, inventory, review summary, prices, reviews page; then the authors.
      minUpstreamCalls: 6,
      ratioTarget: { on: 0.8, off: 0.6 },
    },
    MobileDashboard: {
      name: 'MobileDashboard',
      label: 'MobileDashboard',
      gateway: graphql('mobile', MOBILE_DASHBOARD, {}, bearer, form),
      baseline: { method: 'GET', path: '/dashboard', headers: viewer },
      // user, recent orders, unread count: one level.
      minUpstreamCalls: 3,
      ratioTarget: { on: 0.6, off: 0.6 },
    },
    OrderHistory: {
      name: 'OrderHistory',
      label: 'OrderHistory(first: 20)',
      gateway: graphql('web', ORDER_HISTORY, { first: 20 }, bearer, form),
      baseline: { method: 'GET', path: '/api/orders?first=20', headers: viewer },
      // user + orders page; then one products and one inventory batch for every line.
      minUpstreamCalls: 4,
      ratioTarget: { on: 0.6, off: 0.5 },
    },
    Catalog: {
      name: 'Catalog',
      label: 'Catalog(first: 50)',
      gateway: graphql('public', CATALOG, { first: 50 }, { 'x-api-key': BENCH_API_KEY }, form),
      baseline: { method: 'GET', path: '/api/catalog?first=50', headers: { 'x-user-tier': BENCH_TIER } },
      // products page; then prices, inventory and review summaries batches.
      minUpstreamCalls: 4,
      ratioTarget: { on: 0.8, off: 0.5 },
    },
  };
}

/** `scenario` asked once per pool user, in pool order, with that user's token (`tokens[i]` is `ROTATING_USERS[i]`'s). */
export function rotatingRequests(scenario: ScenarioName, tokens: readonly string[], form: DocumentForm = 'text'): UserRequests[] {
  return ROTATING_USERS.map((user, i) => {
    const { gateway, baseline } = createScenarios(tokens[i]!, user, form)[scenario];
    return { gateway, baseline };
  });
}
