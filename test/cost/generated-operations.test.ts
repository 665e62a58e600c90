import { parse, specifiedRules, validate, type DocumentNode, type GraphQLSchema } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Audience } from '../../src/context.js';
import { buildCostModel } from '../../src/cost/model.js';
import { createSeed, startDemoServices, type DemoServices } from '../../src/demo/index.js';
import type { Gateway } from '../../src/gateway.js';
import { shapeLimitRules } from '../../src/graphql/shape-limits.js';
import { createPlanner, documentHash, type Planner } from '../../src/plan/planner.js';
import { buildAudienceSchema } from '../../src/schema.js';
import { startCountingProxy, type CountedCall, type CountingProxy } from '../helpers/counting-proxy.js';
import { bearer, startTestGateway, tokenFor } from '../helpers/gateway.js';
import { tempFile } from '../helpers/temp-file.js';
import { generateOperations, type GeneratedOperation, type GeneratorIds } from './operation-generator.js';

/**
 * Random valid operations against the gateway over the demo services, each
 * checked against what the cost model promises (docs/rate-limits.md, "What
 * a point pays for"):
 * - it is never a 500 nor an INTERNAL_SERVER_ERROR;
 * - what it returned costs no more than its estimate (the estimate bounds the
 *   work, not just the charge: `actualQueryCost` is capped at the estimate);
 * - every upstream call is paid for: calls that are not batch reads at most
 *   one per point of the actual cost, and each batch-read service at most
 *   once per point;
 * - the compiled executor answers exactly what graphql-js answers, for the
 *   same actual cost (the lookahead has fetched what the spec's rules select).
 * A counting proxy in front of the services forbids caching, so every call an
 * operation needs is made and counted (by the correlation id sent with it).
 */

// Fixed, so a failure is the same operation on every run; GEN_SEED / GEN_COUNT explore further by hand.
const SEED = Number(process.env['GEN_SEED'] ?? 20260701);
const PER_AUDIENCE = Number(process.env['GEN_COUNT'] ?? 40);
const VIEWER = 'u1';
/** The gateway's default shape limits (docs/operations.md): a generated document over them is not sent. */
const SHAPE = { maxDepth: 10, maxAliases: 30, maxDirectives: 50 };
const MAX_TOKENS = 2_000;

let demo: DemoServices;
let proxy: CountingProxy;
let compiled: Gateway;
let reference: Gateway;
let headersFor: Record<Audience, Record<string, string>>;

const ids: GeneratorIds = (() => {
  const seed = createSeed();
  const mine = seed.orders.filter((o) => o.userId === VIEWER).map((o) => o.id);
  const others = seed.orders.filter((o) => o.userId !== VIEWER).map((o) => o.id);
  const myNotes = seed.notifications.filter((n) => n.userId === VIEWER).map((n) => n.id);
  const otherNotes = seed.notifications.filter((n) => n.userId !== VIEWER).map((n) => n.id);
  return {
    // A few products, so aliases meet the same ones, and unknown ids among them.
    products: [...seed.products.slice(0, 12).map((p) => p.id), 'p-unknown-1', 'p-unknown-2'],
    orders: [...mine.slice(0, 10), ...others.slice(0, 2), 'o-unknown'],
    notifications: [...myNotes.slice(0, 10), ...otherNotes.slice(0, 2), 'n-unknown'],
    categories: [...new Set(seed.products.map((p) => p.categoryId))],
  };
})();

beforeAll(async () => {
  demo = await startDemoServices();
  proxy = await startCountingProxy(demo.urls);
  // Budgets nothing generated can exhaust: every operation runs.
  const roomy = { maxOperationCost: 1e9, tiers: { pro: { capacity: 1e9, restorePerSecond: 1e9 }, enterprise: { capacity: 1e9, restorePerSecond: 1e9 } } };
  const env = { RATE_LIMITS_FILE: tempFile('limits.json', { mobile: roomy, web: roomy, public: roomy }) };
  [compiled, reference] = await Promise.all([
    startTestGateway({ upstreams: proxy.urls, env }),
    startTestGateway({ upstreams: proxy.urls, env: { ...env, GRAPHQL_EXECUTOR: 'graphql-js' } }),
  ]);
  const user = bearer(await tokenFor(VIEWER, { tier: 'enterprise', scope: 'orders:write notifications:write' }));
  headersFor = { mobile: user, web: user, public: { 'x-api-key': 'demo-public-key-pro' } };
});
afterAll(async () => {
  await Promise.all([compiled?.close(), reference?.close()]);
  await proxy?.close();
  await demo?.close();
});

interface Answer {
  status: number;
  body: {
    data?: unknown;
    errors?: { message: string; extensions?: { code?: string } }[];
    extensions?: { cost?: { requestedQueryCost: number; actualQueryCost: number } };
  };
  calls: readonly CountedCall[];
}

let sent = 0;
async function send(gateway: Gateway, audience: Audience, op: GeneratedOperation): Promise<Answer> {
  const correlation = `generated-${++sent}`;
  const response = await fetch(`${gateway.url}/${audience}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-correlation-id': correlation, ...headersFor[audience] },
    body: JSON.stringify({ query: op.query, variables: op.variables }),
  });
  return { status: response.status, body: (await response.json()) as Answer['body'], calls: proxy.callsFor(correlation) };
}

/** A batch read (`?ids=`, `?productIds=`): one call for up to 100 objects of one service. */
const isBatchRead = (call: CountedCall): boolean => /[?&](ids|productIds)=/.test(call.url);

/** What is wrong with one answer, or null. */
function problemWith(op: GeneratedOperation, answer: Answer, plan: { estimate: number; actual: (data: unknown) => number }): string | null {
  const codes = (answer.body.errors ?? []).map((e) => e.extensions?.code);
  if (answer.status === 500 || codes.includes('INTERNAL_SERVER_ERROR')) return `a server error: ${answer.status} ${JSON.stringify(answer.body.errors)}`;
  if (op.sendsNull && answer.status === 400 && codes.every((c) => c === 'BAD_USER_INPUT')) return null;
  const cost = answer.body.extensions?.cost;
  if (answer.status !== 200 || !cost) return `refused: ${answer.status} ${JSON.stringify(answer.body.errors)}`;
  if (cost.requestedQueryCost !== plan.estimate) return `priced ${cost.requestedQueryCost}, the cost model says ${plan.estimate}`;
  const measured = plan.actual(answer.body.data);
  if (measured > cost.requestedQueryCost) return `returned what costs ${measured}, estimated ${cost.requestedQueryCost}`;
  if (cost.actualQueryCost > cost.requestedQueryCost) return `actual ${cost.actualQueryCost} over the estimate ${cost.requestedQueryCost}`;
  const direct = answer.calls.filter((c) => !isBatchRead(c));
  if (direct.length > cost.actualQueryCost) return `${direct.length} upstream calls for ${cost.actualQueryCost} points: ${direct.map((c) => `${c.method} ${c.url}`).join(', ')}`;
  const perService = new Map<string, number>();
  for (const call of answer.calls.filter(isBatchRead)) perService.set(call.service, (perService.get(call.service) ?? 0) + 1);
  for (const [service, calls] of perService) if (calls > cost.actualQueryCost) return `${calls} ${service} batch reads for ${cost.actualQueryCost} points`;
  return null;
}

/** `query` parsed, when it validates against `schema` within the gateway's token and shape limits. */
function valid(schema: GraphQLSchema, query: string): DocumentNode | null {
  let document: DocumentNode;
  try {
    document = parse(query, { maxTokens: MAX_TOKENS });
  } catch {
    return null;
  }
  const rules = [...specifiedRules, ...shapeLimitRules(SHAPE)];
  return validate(schema, document, rules).length === 0 ? document : null;
}

describe('Generated operations are charged for the upstream work they cause', () => {
  for (const audience of ['mobile', 'web', 'public'] as const) {
    it(`on ${audience}: ${PER_AUDIENCE} valid operations, each within its estimate, each call paid for, compiled as graphql-js answers`, { timeout: 120_000 }, async () => {
      const schema = buildAudienceSchema(audience);
      const planner: Planner = createPlanner({ schema, model: buildCostModel(schema), engine: 'graphql-js' });
      const operations = generateOperations(schema, ids, SEED + audience.charCodeAt(0));
      const problems: string[] = [];
      for (let n = 0; n < PER_AUDIENCE; ) {
        const op = operations.next().value!;
        const document = valid(schema, op.query);
        if (!document) continue;
        n += 1;
        const answer = await send(compiled, audience, op);
        const plan = planner.plan(document, documentHash(op.query), undefined)!;
        const coerced = plan.coerce(op.variables);
        let problem: string | null;
        if (!coerced.ok) {
          problem = `variables refused by graphql-js: ${coerced.errors[0]!.message}`;
        } else {
          let estimate: number;
          try {
            estimate = plan.estimate(coerced.variables);
          } catch {
            estimate = -1; // Refused before execution (a null where a value is needed): checked by status above.
          }
          problem = problemWith(op, answer, { estimate, actual: (data) => plan.actual(coerced.variables, data) });
          if (!problem && !op.mutation && answer.status === 200) {
            const js = await send(reference, audience, op);
            if (JSON.stringify(js.body.data) !== JSON.stringify(answer.body.data)) {
              problem = `compiled answered ${JSON.stringify(answer.body.data)}, graphql-js ${JSON.stringify(js.body.data)}`;
            } else if (js.body.extensions?.cost?.actualQueryCost !== answer.body.extensions?.cost?.actualQueryCost) {
              problem = 'compiled and graphql-js answers were charged differently';
            }
          }
        }
        if (problem) problems.push(`${problem}\n  ${op.query.replace(/\n/g, '\n  ')}\n  variables: ${JSON.stringify(op.variables)}`);
      }
      expect(problems, problems.slice(0, 3).join('\n\n')).toEqual([]);
    });
  }
});
