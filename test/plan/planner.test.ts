import { getOperationAST, parse, type DocumentNode } from 'graphql';
import type { GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Consumer } from '../../src/auth/consumer.js';
import { buildCostModel } from '../../src/cost/model.js';
import type { Gateway } from '../../src/gateway.js';
import { planGateway } from '../../src/plan/plan-gateway.js';
import { loadTrustedDocuments } from '../../src/persisted/manifest.js';
import { createPlanner, documentHash } from '../../src/plan/planner.js';
import { buildAudienceSchema } from '../../src/schema.js';
import { startFixtureUpstream, type FixtureUpstream } from '../helpers/fixture-upstream.js';
import { bearer, gql, startTestGateway, tokenFor } from '../helpers/gateway.js';

const schema = buildAudienceSchema('web');
const model = buildCostModel(schema);

/** The sum of `bff_operation_plans_total` for an audience (optionally one executor/reason). */
async function plansMade(gateway: Gateway, audience: string, filter = ''): Promise<number> {
  const { body } = await gateway.metrics.render();
  return body
    .split('\n')
    .filter((line) => line.startsWith('bff_operation_plans_total{') && line.includes(`audience="${audience}"`) && line.includes(filter))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}

describe('Operation plans', () => {
  let upstream: FixtureUpstream;
  let gateway: Gateway;
  beforeAll(async () => {
    upstream = await startFixtureUpstream();
    gateway = await startTestGateway({ upstreams: upstream.urls, env: { TRUSTED_DOCUMENTS: 'mobile=off,web=off' } });
  });
  afterAll(async () => {
    await gateway.close();
    await upstream.close();
  });

  it("compiles the apps' trusted documents at start-up, before any request", async () => {
    // Fresh gateway, nothing asked yet: the web manifest's operations are already planned (and compiled by jit).
    expect(await plansMade(gateway, 'web', 'reason="none"')).toBe(loadTrustedDocuments('web').size);
    expect(await plansMade(gateway, 'mobile', 'reason="none"')).toBe(loadTrustedDocuments('mobile').size);
    expect(await plansMade(gateway, 'public')).toBe(0);
  });
  it('compiles each distinct document once, however many requests and variables', async () => {
    const alice = bearer(await tokenFor('fx-alice'));
    const documents = [
      `query A($id: ID!) { product(id: $id) { id name } }`,
      `query B($first: Int!) { products(first: $first) { edges { node { id } } } }`,
      `query C($first: Int!) { me { id orders(first: $first) { edges { node { id } } } } }`,
    ];
    const before = await plansMade(gateway, 'web');
    for (let i = 0; i < 100; i++) {
      const n = i % 3;
      const variables = n === 0 ? { id: `fx-p${(i % 5) + 1}` } : { first: (i % 7) + 1 };
      const { body } = await gql(gateway, 'web', documents[n]!, variables, alice);
      expect(body.errors).toBeUndefined();
    }
    expect((await plansMade(gateway, 'web')) - before).toBe(3);
    expect(await plansMade(gateway, 'web', 'executor="jit"')).toBeGreaterThanOrEqual(3);
    expect(await plansMade(gateway, 'web', 'reason="jit_failed"')).toBe(0);
  });

  it('runs the operation each request names, whichever of a document\'s operations was planned first', async () => {
    const document = 'query A { product(id: "fx-p1") { id } } query B { product(id: "fx-p2") { id } }';
    for (const [operationName, id] of [['A', 'fx-p1'], ['B', 'fx-p2'], ['A', 'fx-p1']] as const) {
      const response = await fetch(`${gateway.url}/web/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: document, operationName }),
      });
      expect(((await response.json()) as { data: unknown }).data, operationName).toEqual({ product: { id } });
    }
  });

  it('measures the actual cost of each request with the fields its own @include variables keep', async () => {
    // fx-p1 has five reviews: the page is full, so what was returned costs what was estimated, with or without it.
    const document = 'query Reviews($full: Boolean!) { product(id: "fx-p1") { id reviews(first: 5) @include(if: $full) { edges { node { id } } } } }';
    const costs: [number, number][] = [];
    for (const full of [false, true, false, true]) {
      const { body } = await gql(gateway, 'web', document, { full });
      expect(body.errors).toBeUndefined();
      const cost = body.extensions!['cost'] as { requestedQueryCost: number; actualQueryCost: number };
      costs.push([cost.requestedQueryCost, cost.actualQueryCost]);
    }
    expect(costs).toEqual([[1, 1], [12, 12], [1, 1], [12, 12]]);
  });

});

describe('The plan cache', () => {
  const documentNumber = (n: number): [DocumentNode, string] => {
    const text = `query Q${n} { product(id: "p${n}") { id } }`;
    return [parse(text), documentHash(text)];
  };

  it('holds at most its size, evicting the least recently used, and compiles an evicted document again', () => {
    const planner = createPlanner({ schema, model, maxPlans: 10 });
    for (let n = 0; n < 30; n++) planner.plan(...documentNumber(n), `Q${n}`);
    expect(planner.size).toBe(10);
    expect(planner.compiled).toBe(30);
    // Q29 is still held; Q0 was evicted long ago.
    planner.plan(...documentNumber(29), 'Q29');
    expect(planner.compiled).toBe(30);
    planner.plan(...documentNumber(0), 'Q0');
    expect(planner.compiled).toBe(31);
    expect(planner.size).toBe(10);
  });

  it('keeps a recently used plan over older ones', () => {
    const planner = createPlanner({ schema, model, maxPlans: 3 });
    for (let n = 0; n < 3; n++) planner.plan(...documentNumber(n), `Q${n}`);
    planner.plan(...documentNumber(0), 'Q0'); // used again: now the newest
    planner.plan(...documentNumber(3), 'Q3'); // evicts Q1, not Q0
    planner.plan(...documentNumber(0), 'Q0');
    expect(planner.compiled).toBe(4);
    planner.plan(...documentNumber(1), 'Q1');
    expect(planner.compiled).toBe(5);
  });
});

describe('The plan cache, by the text of its documents', () => {
  /** A document of about `size` characters: its operation's name is most of it. */
  const longDocument = (n: number, size: number): [DocumentNode, string] => {
    const text = `query Q${n}_${'x'.repeat(size)} { __typename }`;
    return [parse(text), documentHash(text)];
  };
  const nameOf = (document: DocumentNode) => getOperationAST(document)!.name!.value;

  it('holds no more document text than its bound, however few plans that is, least recently used dropped first', () => {
    const planner = createPlanner({ schema, model, maxPlans: 100, maxDocumentText: 50_000 });
    const documents = Array.from({ length: 12 }, (_, n) => longDocument(n, 10_000));
    for (const [document, hash] of documents) planner.plan(document, hash, nameOf(document));
    expect(planner.size).toBe(4);
    expect(planner.compiled).toBe(12);
    // The four newest are held; the first was dropped and is compiled again.
    planner.plan(documents[11]![0], documents[11]![1], nameOf(documents[11]![0]));
    expect(planner.compiled).toBe(12);
    planner.plan(documents[0]![0], documents[0]![1], nameOf(documents[0]![0]));
    expect(planner.compiled).toBe(13);
  });

  it('plans a document larger than the whole bound, and keeps none of it', () => {
    const planner = createPlanner({ schema, model, maxPlans: 100, maxDocumentText: 5_000 });
    const [small, smallHash] = longDocument(0, 100);
    planner.plan(small, smallHash, nameOf(small));
    const [large, largeHash] = longDocument(1, 10_000);
    expect(planner.plan(large, largeHash, nameOf(large))?.executor).toBe('jit');
    expect(planner.size).toBe(1);
  });
});

describe('A document graphql-jit cannot compile', () => {
  it('still answers, through graphql-js, and is counted', async () => {
    const made: [string, string | undefined][] = [];
    const planner = createPlanner({
      schema,
      model,
      // What graphql-jit answers when it cannot compile: an execution result with errors instead of a function.
      compile: () => ({ errors: [{ message: 'unsupported by the compiler' }] }) as never,
      onPlan: (executor, reason) => made.push([executor, reason]),
    });
    const upstream = await startFixtureUpstream();
    const gateway = await startTestGateway({ upstreams: upstream.urls });
    try {
      // Run through the gateway's executor with a real request context's essentials and the real clients.
      const text = `query P($id: ID!) { product(id: $id) { id name } }`;
      const { body } = await gql<{ product: { id: string; name: string } }>(gateway, 'web', text, { id: 'fx-p1' });
      const context = await contextLike(gateway);
      const { load } = planGateway(schema, planner);
      const { executor } = await load({ apollo: {} });
      const document = parse(text);
      const result = await executor!({
        document,
        operation: getOperationAST(document, 'P'),
        queryHash: documentHash(text),
        operationName: 'P',
        request: { variables: { id: 'fx-p1' } },
        context,
      } as unknown as GatewayGraphQLRequestContext);
      expect(result.errors).toBeUndefined();
      expect(result.data).toEqual(body.data);
      expect(made).toEqual([['graphql-js', 'unsupported by the compiler']]);
    } finally {
      await gateway.close();
      await upstream.close();
    }
  });
});

/** A per-request context as the edge builds it, for an anonymous web caller. */
async function contextLike(gateway: Gateway) {
  const { createLoaders } = await import('../../src/loaders.js');
  const { createOnce } = await import('../../src/context.js');
  const { createLogger } = await import('../../src/logger.js');
  const { createClients } = await import('../../clients/create-clients.js');
  const { createMemoryCache } = await import('../../clients/cache.js');
  const clients = createClients({ urls: gateway.upstreams, timeoutMs: 2000, circuit: { failureThreshold: 5, cooldownMs: 1000 }, cache: createMemoryCache() });
  const consumer: Consumer = { kind: 'anonymous', id: 'anon:127.0.0.1', tier: 'free', scopes: new Set() };
  const perRequest = clients.forRequest({ correlationId: 'plan-test' });
  return {
    audience: 'web',
    consumer,
    correlationId: 'plan-test',
    clients: perRequest,
    loaders: createLoaders(perRequest, consumer.tier),
    logger: createLogger('silent'),
    once: createOnce(),
  };
}
