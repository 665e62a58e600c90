import { GraphQLError } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UpstreamError } from '../../clients/errors.js';
import { ErrorCode, gatewayError } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import { requestLogPlugin } from '../../src/plugins/request-log.js';
import type { Gateway } from '../../src/gateway.js';
import { startFixtureUpstream, type FixtureOverride, type FixtureRequest, type FixtureUpstream } from '../helpers/fixture-upstream.js';
import { bearer, captureLogs, gql, startTestGateway, tokenFor } from '../helpers/gateway.js';
import { PRODUCT_PAGE } from '../operations/contract.js';

type Line = Record<string, unknown>;

let upstream: FixtureUpstream;
let gateway: Gateway;
const logs = captureLogs();
let failPosts = false;
/** A fault for the upstream's next requests, set by a test and cleared by it. */
let fault: ((req: FixtureRequest) => FixtureOverride | undefined | Promise<FixtureOverride | undefined>) | undefined;

beforeAll(async () => {
  upstream = await startFixtureUpstream({ onRequest: (req) => (failPosts && req.method === 'POST' ? { status: 503 } : fault?.(req)) });
  gateway = await startTestGateway({ upstreams: upstream.urls, env: { LOG_LEVEL: 'info' }, logDestination: logs.destination });
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

const parsed = (): Line[] => logs.lines.map((l) => JSON.parse(l) as Line);
const linesFor = (correlationId: string, msg: string) => parsed().filter((l) => l['correlationId'] === correlationId && l['msg'] === msg);

describe('Request log', () => {
  it('writes one line per request with audience, operation, consumer, correlation id, status, duration, cost and upstream requests', async () => {
    const token = await tokenFor('fx-alice', { tier: 'pro' });
    upstream.requests.length = 0;
    const { body } = await gql(gateway, 'web', PRODUCT_PAGE, { id: 'fx-p1' }, { ...bearer(token), 'x-correlation-id': 'log-test-1' });
    expect(body.errors).toBeUndefined();
    const lines = linesFor('log-test-1', 'request');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 30,
      audience: 'web',
      operation: 'ProductPage',
      operationType: 'query',
      consumer: 'fx-alice',
      status: 200,
      outcome: 'ok',
      durationMs: expect.any(Number),
      upstreamRequests: upstream.requests.length,
    });
    expect(upstream.requests.length).toBeGreaterThanOrEqual(5);
    // The cost the response reports (extensions.cost, filled by the cost plugin) is the cost logged.
    const { cost } = body.extensions as { cost: { requestedQueryCost: number; actualQueryCost: number } };
    expect(lines[0]!['cost']).toEqual({ requested: cost.requestedQueryCost, actual: cost.actualQueryCost });
    expect(logs.lines.join('\n')).not.toContain(token);
  });

  it('logs the outcome and error codes of a partial answer, and of a request refused before execution', async () => {
    await gql(gateway, 'web', '{ me { id } product(id: "fx-p1") { id } }', {}, { 'x-correlation-id': 'log-test-2' });
    expect(linesFor('log-test-2', 'request')[0]).toMatchObject({ status: 200, outcome: 'partial', consumer: expect.stringMatching(/^anon:/), errorCodes: ['UNAUTHENTICATED'] });
    await gql(gateway, 'web', '{ nope }', {}, { 'x-correlation-id': 'log-test-3' });
    expect(linesFor('log-test-3', 'request')[0]).toMatchObject({ status: 400, outcome: 'rejected', operation: null, upstreamRequests: 0, errorCodes: ['GRAPHQL_VALIDATION_FAILED'] });
  });

  it("names the app that sent the request, as Apollo's clients name it, when it looks like a name", async () => {
    const app = { 'apollographql-client-name': 'shop-ios', 'apollographql-client-version': '5.2.1 (1234)' };
    await gql(gateway, 'web', '{ product(id: "fx-p1") { id } }', {}, { ...app, 'x-correlation-id': 'log-client-1' });
    expect(linesFor('log-client-1', 'request')[0]!['client']).toEqual({ name: 'shop-ios', version: '5.2.1 (1234)' });
    // Over 64 characters or outside printable ASCII: not logged (the other field still is).
    const odd = { 'apollographql-client-name': 'x'.repeat(65), 'apollographql-client-version': '5.2.1' };
    await gql(gateway, 'web', '{ product(id: "fx-p1") { id } }', {}, { ...odd, 'x-correlation-id': 'log-client-2' });
    expect(linesFor('log-client-2', 'request')[0]!['client']).toEqual({ version: '5.2.1' });
    await gql(gateway, 'web', '{ product(id: "fx-p1") { id } }', {}, { 'apollographql-client-name': 'caf\u00e9', 'x-correlation-id': 'log-client-3' });
    expect(linesFor('log-client-3', 'request')[0]).not.toHaveProperty('client');
    await gql(gateway, 'web', '{ product(id: "fx-p1") { id } }', {}, { 'x-correlation-id': 'log-client-4' });
    expect(linesFor('log-client-4', 'request')[0]).not.toHaveProperty('client');
  });

  it('cuts an operation name over 128 characters, on the request line and on the audit line', async () => {
    const name = `Long${'x'.repeat(20_000)}`;
    const cut = `${name.slice(0, 128)}…`;
    const { status } = await gql(gateway, 'web', `query ${name} { product(id: "fx-p1") { id } }`, {}, { 'x-correlation-id': 'log-long-1' });
    expect(status).toBe(200);
    expect(linesFor('log-long-1', 'request')[0]).toMatchObject({ operation: cut, status: 200 });
    const auth = bearer(await tokenFor('fx-alice', { scope: 'orders:write' }));
    const input = { idempotencyKey: 'long-name-0001', lines: [{ productId: 'fx-p1', quantity: 1 }] };
    const placed = await gql(gateway, 'web', `mutation ${name}($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id } } }`, { input }, { ...auth, 'x-correlation-id': 'log-long-2' });
    expect(placed.body.errors).toBeUndefined();
    expect(linesFor('log-long-2', 'audit')[0]).toMatchObject({ operation: cut });
    expect(logs.lines.filter((l) => l.includes('log-long-')).every((l) => l.length < 2_000)).toBe(true);
  });

  it('never writes an API key', async () => {
    await gql(gateway, 'public', '{ products(first: 1) { edges { node { id } } } }', {}, { 'x-api-key': 'demo-public-key-pro', 'x-correlation-id': 'log-test-4' });
    expect(linesFor('log-test-4', 'request')[0]).toMatchObject({ audience: 'public', consumer: 'demo-partner-pro', status: 200 });
    expect(logs.lines.join('\n')).not.toContain('demo-public-key-pro');
  });

  it('counts every attempt of a retried call in upstreamRequests, and each call an open circuit refused', async () => {
    const query = '{ product(id: "fx-p9") { id inStock } }';
    upstream.requests.length = 0;
    let failed = false;
    fault = (req) => (req.service === 'inventory' && !failed ? ((failed = true), { status: 503 }) : undefined);
    try {
      const { body } = await gql(gateway, 'web', query, {}, { 'x-correlation-id': 'log-retried' });
      expect(body.errors).toBeUndefined();
    } finally {
      fault = undefined;
    }
    // The inventory call took two HTTP requests (503, then 200): both are counted.
    expect(upstream.requests.filter((r) => r.service === 'inventory')).toHaveLength(2);
    expect(linesFor('log-retried', 'request')[0]).toMatchObject({ upstreamRequests: upstream.requests.length });
    expect(linesFor('log-retried', 'request')[0]).not.toHaveProperty('circuitRejections');
    // The retry succeeded: the call did not fail, so no failure is named.
    expect(linesFor('log-retried', 'request')[0]).not.toHaveProperty('upstreamFailures');

    // A gateway of its own whose inventory circuit opens at the first failure.
    const tripping = await startTestGateway({ upstreams: upstream.urls, env: { LOG_LEVEL: 'info', CIRCUIT_FAILURE_THRESHOLD: '1' }, logDestination: logs.destination });
    fault = (req) => (req.service === 'inventory' ? { status: 500 } : undefined);
    try {
      await gql(tripping, 'web', query, {}, { 'x-correlation-id': 'log-circuit-1' });
      upstream.requests.length = 0;
      const { body } = await gql(tripping, 'web', query, {}, { 'x-correlation-id': 'log-circuit-2' });
      expect(body.errors!.map((e) => e.path)).toEqual([['product', 'inStock']]);
    } finally {
      fault = undefined;
      await tripping.close();
    }
    expect(upstream.requests.filter((r) => r.service === 'inventory')).toEqual([]);
    expect(linesFor('log-circuit-2', 'request')[0]).toMatchObject({ upstreamRequests: upstream.requests.length, circuitRejections: 1 });
    // Why each failed call failed, for the operator: the status the service answered, then the open circuit.
    expect(linesFor('log-circuit-1', 'request')[0]!['upstreamFailures']).toEqual([
      { service: 'inventory', route: 'GET /inventory', code: 'UPSTREAM_UNAVAILABLE', reason: 'upstream answered HTTP 500', attempts: 1, status: 500 },
    ]);
    expect(linesFor('log-circuit-2', 'request')[0]!['upstreamFailures']).toEqual([
      { service: 'inventory', route: 'GET /inventory', code: 'UPSTREAM_UNAVAILABLE', reason: 'circuit open', attempts: 0 },
    ]);
  });

  it('names why a call failed when no answer came, without host or port: a refused connection, a malformed body', async () => {
    const refusing = await startFixtureUpstream();
    const urls = { ...upstream.urls, reviews: refusing.urls.reviews };
    await refusing.close();
    const broken = await startTestGateway({ upstreams: urls, env: { LOG_LEVEL: 'info' }, logDestination: logs.destination });
    fault = (req) => (req.service === 'pricing' ? { status: 200, body: '{"items": [{"productId": 7}]}' } : undefined);
    try {
      await gql(broken, 'web', '{ product(id: "fx-p1") { id rating price { amount } } }', {}, { 'x-correlation-id': 'log-why' });
    } finally {
      fault = undefined;
      await broken.close();
    }
    const failures = linesFor('log-why', 'request')[0]!['upstreamFailures'] as { service: string; reason: string }[];
    expect(failures).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ service: 'reviews', code: 'UPSTREAM_UNAVAILABLE', reason: 'ECONNREFUSED' }),
        expect.objectContaining({ service: 'pricing', code: 'UPSTREAM_BAD_RESPONSE', reason: expect.stringMatching(/^field productId is not/) }),
      ]),
    );
    expect(JSON.stringify(failures)).not.toMatch(/127\.0\.0\.1|:\d{4,5}/);
  });

  it('names the failed call on the line of every request that shared it (coalesced), not only the one that sent it', async () => {
    // Inventory answers 500, slowly enough that concurrent requests for the same product share its one call.
    const slow = await startFixtureUpstream({
      onRequest: async (req) => {
        if (req.service !== 'inventory') return undefined;
        await new Promise((resolve) => setTimeout(resolve, 200));
        return { status: 500 };
      },
    });
    const shared = await startTestGateway({ upstreams: slow.urls, env: { LOG_LEVEL: 'info', UPSTREAM_RETRIES: '0' }, logDestination: logs.destination });
    const ids = ['log-shared-1', 'log-shared-2', 'log-shared-3'];
    try {
      await Promise.all(ids.map((id) => gql(shared, 'web', '{ product(id: "fx-p1") { id inStock } }', {}, { 'x-correlation-id': id })));
    } finally {
      await shared.close();
      await slow.close();
    }
    expect(slow.requests.filter((r) => r.service === 'inventory')).toHaveLength(1);
    for (const id of ids) {
      const [line] = linesFor(id, 'request');
      expect(line!['errorCodes']).toEqual(['UPSTREAM_UNAVAILABLE']);
      expect(line!['upstreamFailures'], id).toEqual([
        expect.objectContaining({ service: 'inventory', route: 'GET /inventory', code: 'UPSTREAM_UNAVAILABLE', reason: expect.stringContaining('upstream answered HTTP 500'), status: 500 }),
      ]);
    }
  });
});

describe('Audit log', () => {
  const mutation = 'mutation Checkout($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id } } }';

  it('writes an audit line for a placed order: consumer, operation, idempotency key, outcome', async () => {
    const auth = bearer(await tokenFor('fx-alice', { scope: 'orders:write' }));
    const input = { idempotencyKey: 'audit-key-0001', lines: [{ productId: 'fx-p1', quantity: 1 }] };
    const { body } = await gql(gateway, 'web', mutation, { input }, { ...auth, 'x-correlation-id': 'audit-1', 'apollographql-client-name': 'shop-web' });
    expect(body.errors).toBeUndefined();
    expect(linesFor('audit-1', 'audit')).toEqual([
      expect.objectContaining({ audit: 'mutation', audience: 'web', consumer: 'fx-alice', operation: 'Checkout', fields: ['placeOrder'], idempotencyKey: 'audit-key-0001', outcome: 'ok', client: { name: 'shop-web' } }),
    ]);
    expect(linesFor('audit-1', 'request')).toHaveLength(1);
  });

  it('audits a failed mutation with its error code, the key written inline in the document too', async () => {
    failPosts = true;
    try {
      const auth = bearer(await tokenFor('fx-alice', { scope: 'orders:write' }));
      const inline = 'mutation { placeOrder(input: { idempotencyKey: "audit-key-0002", lines: [{ productId: "fx-p1", quantity: 1 }] }) { order { id } } }';
      await gql(gateway, 'web', inline, {}, { ...auth, 'x-correlation-id': 'audit-2' });
    } finally {
      failPosts = false;
    }
    expect(linesFor('audit-2', 'audit')).toEqual([
      expect.objectContaining({ consumer: 'fx-alice', operation: null, idempotencyKey: 'audit-key-0002', outcome: 'failed', errorCodes: ['UPSTREAM_UNAVAILABLE'] }),
    ]);
  });

  it('bounds an over-long idempotency key in the audit line, as the contract bounds it (128 characters)', async () => {
    const auth = bearer(await tokenFor('fx-alice', { scope: 'orders:write' }));
    const input = { idempotencyKey: 'k'.repeat(10_000), lines: [{ productId: 'fx-p1', quantity: 1 }] };
    const { body } = await gql(gateway, 'web', mutation, { input }, { ...auth, 'x-correlation-id': 'audit-long' });
    expect(body.errors![0]!.extensions!['code']).toBe('BAD_USER_INPUT');
    expect(linesFor('audit-long', 'audit')).toEqual([expect.objectContaining({ idempotencyKey: 'k'.repeat(128), outcome: 'failed' })]);
  });

  // An order placed before a read after it failed was audited `failed`: whoever asked whether the checkout went through
  // was told it had not.
  it('audits an order placed before a read after it failed as written, with the read’s error code', async () => {
    const auth = bearer(await tokenFor('fx-alice', { scope: 'orders:write' }));
    const input = { idempotencyKey: 'audit-key-read-0001', lines: [{ productId: 'fx-p1', quantity: 1 }] };
    const withProducts = 'mutation Checkout($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id lines { product { name } } } } }';
    fault = (req) => (req.service === 'products' ? { status: 503 } : undefined);
    let body;
    try {
      ({ body } = await gql<{ placeOrder: { order: { id: string } } }>(gateway, 'web', withProducts, { input }, { ...auth, 'x-correlation-id': 'audit-read' }));
    } finally {
      fault = undefined;
    }
    // The app learns the order exists, and which part of the answer is missing.
    expect(body.data!.placeOrder.order.id).toEqual(expect.any(String));
    expect(body.errors!.map((e) => [e.path, e.extensions!['code']])).toEqual([[['placeOrder', 'order', 'lines', 0, 'product'], 'UPSTREAM_UNAVAILABLE']]);
    expect(linesFor('audit-read', 'audit')).toEqual([
      expect.objectContaining({
        idempotencyKey: 'audit-key-read-0001',
        outcome: 'ok',
        writes: [{ field: 'placeOrder', idempotencyKey: 'audit-key-read-0001', outcome: 'ok' }],
        errorCodes: ['UPSTREAM_UNAVAILABLE'],
      }),
    ]);
  });

  it('audits an order whose client left while it was being placed as written, not failed', async () => {
    const auth = bearer(await tokenFor('fx-alice', { scope: 'orders:write' }));
    const input = { idempotencyKey: 'audit-key-gone-0001', lines: [{ productId: 'fx-p1', quantity: 1 }] };
    const withProducts = 'mutation Checkout($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id lines { product { name } } } } }';
    let release!: () => void;
    const released = new Promise<undefined>((resolve) => (release = () => resolve(undefined)));
    let held = false;
    fault = (req) => (req.method === 'POST' ? ((held = true), released) : undefined);
    const goneBefore = upstream.data.orders.length;
    const gone = new AbortController();
    const abandoned = fetch(`${gateway.url}/web/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth, 'x-correlation-id': 'audit-gone' },
      body: JSON.stringify({ query: withProducts, variables: { input } }),
      signal: gone.signal,
    }).catch(() => null);
    try {
      await expect.poll(() => held).toBe(true);
      gone.abort();
      await abandoned;
      // The gateway has seen its client go before the orders service answers.
      const goneCount = async () => (await (await fetch(`${gateway.url}/metrics`)).text()).match(/^bff_client_gone_total\{audience="web"\} (\d+)$/m)?.[1];
      await expect.poll(goneCount).toBe('1');
    } finally {
      release();
      fault = undefined;
    }
    await expect.poll(() => linesFor('audit-gone', 'audit').length).toBe(1);
    // The order was placed (the product read after it was never sent: the client had gone).
    expect(upstream.data.orders.length).toBe(goneBefore + 1);
    expect(linesFor('audit-gone', 'audit')[0]).toMatchObject({
      outcome: 'ok',
      writes: [{ field: 'placeOrder', idempotencyKey: 'audit-key-gone-0001', outcome: 'ok' }],
    });
    expect(linesFor('audit-gone', 'client went away before its answer')).toHaveLength(1);
  });

  // Only the first placeOrder's key was logged, and one failure marked both orders failed.
  it('audits each aliased placeOrder of one mutation with its own key and outcome', async () => {
    const auth = bearer(await tokenFor('fx-alice', { scope: 'orders:write' }));
    const twice = 'mutation Two($a: PlaceOrderInput!, $b: PlaceOrderInput!) { first: placeOrder(input: $a) { order { id } } second: placeOrder(input: $b) { order { id } } }';
    const a = { idempotencyKey: 'audit-key-alias-0001', lines: [{ productId: 'fx-p1', quantity: 1 }] };
    const b = { idempotencyKey: 'audit-key-alias-0002', lines: [{ productId: 'fx-no-such-product', quantity: 1 }] };
    upstream.requests.length = 0;
    const { body } = await gql(gateway, 'web', twice, { a, b }, { ...auth, 'x-correlation-id': 'audit-alias' });
    expect(body.data).toEqual({ first: { order: { id: expect.any(String) } }, second: null });
    expect(upstream.requests.filter((r) => r.method === 'POST').map((r) => (r.headers['idempotency-key'] as string).split('.').slice(1).join('.'))).toEqual([
      'audit-key-alias-0001',
      'audit-key-alias-0002',
    ]);
    expect(linesFor('audit-alias', 'audit')).toEqual([
      expect.objectContaining({
        fields: ['placeOrder', 'placeOrder'],
        outcome: 'partial',
        writes: [
          { field: 'placeOrder', alias: 'first', idempotencyKey: 'audit-key-alias-0001', outcome: 'ok' },
          { field: 'placeOrder', alias: 'second', idempotencyKey: 'audit-key-alias-0002', outcome: 'failed', errorCode: 'BAD_USER_INPUT' },
        ],
      }),
    ]);
  });

  it('audits a dry run of a mutation, and a placeOrder skipped by @skip, as not run: nothing was sent or written', async () => {
    const auth = bearer(await tokenFor('fx-alice', { scope: 'orders:write' }));
    const input = { idempotencyKey: 'audit-key-dry-0001', lines: [{ productId: 'fx-p1', quantity: 1 }] };
    upstream.requests.length = 0;
    const { body } = await gql(gateway, 'web', mutation, { input }, { ...auth, 'x-cost-dry-run': 'true', 'x-correlation-id': 'audit-dry' });
    expect(body.data).toBeUndefined();
    expect(upstream.requests.filter((r) => r.method === 'POST')).toEqual([]);
    expect(linesFor('audit-dry', 'audit')).toEqual([
      expect.objectContaining({ outcome: 'not_run', writes: [{ field: 'placeOrder', idempotencyKey: 'audit-key-dry-0001', outcome: 'not_run' }] }),
    ]);
    const skippable = 'mutation Maybe($input: PlaceOrderInput!, $skip: Boolean!) { placeOrder(input: $input) @skip(if: $skip) { order { id } } }';
    const skipped = await gql(gateway, 'web', skippable, { input, skip: true }, { ...auth, 'x-correlation-id': 'audit-skip' });
    expect(skipped.body.data).toEqual({});
    expect(upstream.requests.filter((r) => r.method === 'POST')).toEqual([]);
    expect(linesFor('audit-skip', 'audit')).toEqual([
      expect.objectContaining({ outcome: 'not_run', writes: [{ field: 'placeOrder', idempotencyKey: 'audit-key-dry-0001', outcome: 'not_run' }] }),
    ]);
  });

  it('writes no audit line for a query', async () => {
    await gql(gateway, 'web', '{ product(id: "fx-p1") { id } }', {}, { 'x-correlation-id': 'audit-3' });
    expect(linesFor('audit-3', 'request')).toHaveLength(1);
    expect(linesFor('audit-3', 'audit')).toHaveLength(0);
  });

  it('writes no error line for the errors the contract names: validation, an unknown operation, a failing upstream, no token', async () => {
    const sends: [string, () => Promise<unknown>][] = [
      ['err-validation', () => gql(gateway, 'web', '{ nope }', {}, { 'x-correlation-id': 'err-validation' })],
      [
        'err-operation',
        () =>
          fetch(`${gateway.url}/web/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-correlation-id': 'err-operation' },
            body: JSON.stringify({ query: 'query A { __typename }', operationName: 'B' }),
          }),
      ],
      ['err-viewer', () => gql(gateway, 'web', '{ me { name } }', {}, { 'x-correlation-id': 'err-viewer' })],
    ];
    failPosts = true;
    try {
      const auth = bearer(await tokenFor('fx-alice', { scope: 'orders:write' }));
      const mutation = 'mutation { placeOrder(input: { idempotencyKey: "err-upstream-01", lines: [{ productId: "fx-p1", quantity: 1 }] }) { order { id } } }';
      sends.push(['err-upstream', () => gql(gateway, 'web', mutation, {}, { ...auth, 'x-correlation-id': 'err-upstream' })]);
      for (const [, send] of sends) await send();
    } finally {
      failPosts = false;
    }
    for (const [id] of sends) {
      expect(linesFor(id, 'request'), id).toHaveLength(1);
      expect(linesFor(id, 'request')[0]!['outcome'], id).not.toBe('ok');
      expect(parsed().filter((l) => l['correlationId'] === id && (l['level'] as number) >= 50), id).toEqual([]);
    }
  });

  it('writes an error line with the stack, under the correlation id, for an error the contract has no code for', async () => {
    const lines = captureLogs();
    const plugin = requestLogPlugin(createLogger('info', lines.destination));
    const listener = (await plugin.requestDidStart!({ contextValue: { clients: {} } } as never))!;
    const bug = new TypeError("Cannot read properties of undefined (reading 'price')");
    const contextValue = { audience: 'web', correlationId: 'err-bug', consumer: { id: 'fx-alice' } };
    await listener.didEncounterErrors!({
      contextValue,
      operationName: 'ProductPage',
      errors: [
        new GraphQLError(bug.message, { originalError: bug, path: ['product', 'price'] }),
        gatewayError(ErrorCode.FORBIDDEN, 'Not allowed.'),
        new GraphQLError('Service unavailable.', { originalError: new UpstreamError('UPSTREAM_UNAVAILABLE', 'pricing', 'Service unavailable.') }),
      ],
    } as never);
    const written = lines.lines.map((l) => JSON.parse(l) as Line);
    expect(written).toHaveLength(1);
    expect(written[0]).toMatchObject({
      level: 50,
      msg: 'unexpected error: answered INTERNAL_SERVER_ERROR',
      audience: 'web',
      operation: 'ProductPage',
      correlationId: 'err-bug',
      path: ['product', 'price'],
      err: { type: 'TypeError', message: bug.message, stack: expect.stringContaining('TypeError') },
    });
  });
});
