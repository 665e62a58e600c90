import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/gateway.js';
import { createBarrier } from '../helpers/barrier.js';
import { startFixtureUpstream, type FixtureOverride, type FixtureRequest, type FixtureUpstream } from '../helpers/fixture-upstream.js';
import { captureLogs, EDGE_MODES, gql, startTestGateway } from '../helpers/gateway.js';
import { SPAN_KIND, STATUS_ERROR, startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver.js';
import { PRODUCT_PAGE } from '../operations/contract.js';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const CALLER_SPAN_ID = 'b7ad6b7169203331';
const TRACEPARENT = `00-${TRACE_ID}-${CALLER_SPAN_ID}-01`;

let receiver: OtlpReceiver;
let upstream: FixtureUpstream;
let gateway: Gateway;
let onRequest: ((req: FixtureRequest) => void | FixtureOverride | Promise<void | FixtureOverride>) | undefined;
const logs = captureLogs();

/** The spans of the one traced request just made: waits for its server span, which ends last. */
async function spansOfRequest(): Promise<ReceivedSpan[]> {
  await receiver.waitFor((spans) => spans.some((s) => s.kind === SPAN_KIND.SERVER));
  return [...receiver.spans];
}
const named = (spans: ReceivedSpan[], name: string) => {
  const found = spans.filter((s) => s.name === name);
  expect(found, name).toHaveLength(1);
  return found[0]!;
};
/** Every span as text, to check what no attribute may hold. */
const asText = (spans: ReceivedSpan[]) => JSON.stringify(spans, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
const overlap = (a: ReceivedSpan, b: ReceivedSpan) => a.startNs < b.endNs && b.startNs < a.endNs;

describe.each(EDGE_MODES)('Tracing: one trace from the caller through the gateway to every upstream call, served by $edge', ({ edgeThread }) => {
  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    upstream = await startFixtureUpstream({ onRequest: (req) => onRequest?.(req) });
    gateway = await startTestGateway({
      upstreams: upstream.urls,
      // http/json here; the protobuf default is decoded in shutdown.test.ts.
      env: { OVERLOAD_EDGE_THREAD: edgeThread, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '20', LOG_LEVEL: 'info' },
      logDestination: logs.destination,
    });
  });
  afterAll(async () => {
    await gateway.close();
    await upstream.close();
    await receiver.close();
  });
  beforeEach(() => {
    onRequest = undefined;
    upstream.requests.length = 0;
    receiver.spans.length = 0;
  });
  it('continues the incoming trace: server, credentials, operation, cost, execution and one client span per upstream request', async () => {
    const { status, body } = await gql(gateway, 'web', PRODUCT_PAGE, { id: 'fx-p1' }, { traceparent: TRACEPARENT, 'x-correlation-id': 'trace-1' });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    const spans = await spansOfRequest();
    expect(spans.every((s) => s.traceId === TRACE_ID)).toBe(true);

    const server = named(spans, 'POST /web/graphql');
    expect(server.kind).toBe(SPAN_KIND.SERVER);
    expect(server.parentSpanId).toBe(CALLER_SPAN_ID);
    expect(server.attributes).toMatchObject({ 'http.request.method': 'POST', 'http.route': '/web/graphql', 'http.response.status_code': 200, 'bff.audience': 'web', 'bff.correlation_id': 'trace-1' });
    expect(server.resource['service.name']).toBe('bff-gateway');

    expect(named(spans, 'credentials').parentSpanId).toBe(server.spanId);
    const operation = named(spans, 'query ProductPage');
    expect(operation.parentSpanId).toBe(server.spanId);
    const cost = body.extensions!['cost'] as { requestedQueryCost: number; actualQueryCost: number };
    expect(operation.attributes).toMatchObject({
      'graphql.operation.type': 'query',
      'graphql.operation.name': 'ProductPage',
      'bff.consumer.tier': 'free',
      'bff.consumer.kind': 'anonymous',
      'bff.cost.requested': cost.requestedQueryCost,
      'bff.cost.actual': cost.actualQueryCost,
      'bff.graphql.outcome': 'ok',
    });
    const admission = named(spans, 'cost admission');
    expect(admission.parentSpanId).toBe(operation.spanId);
    expect(admission.attributes['bff.cost.requested']).toBe(cost.requestedQueryCost);
    const execution = named(spans, 'execution');
    expect(execution.parentSpanId).toBe(operation.spanId);
    expect(admission.endNs).toBeLessThanOrEqual(execution.startNs);

    const clients = spans.filter((s) => s.kind === SPAN_KIND.CLIENT);
    expect(upstream.requests.length).toBeGreaterThanOrEqual(5);
    expect(clients).toHaveLength(upstream.requests.length);
    for (const client of clients) expect(client.parentSpanId).toBe(execution.spanId);
    // Each upstream request names its own call's span as its parent: same trace, that span's id, sampled.
    const sent = upstream.requests.map((r) => r.headers['traceparent']);
    expect(new Set(sent)).toEqual(new Set(clients.map((c) => `00-${TRACE_ID}-${c.spanId}-01`)));
    for (const request of upstream.requests) {
      const span = clients.find((c) => request.headers['traceparent'] === `00-${TRACE_ID}-${c.spanId}-01`)!;
      expect(span.attributes['peer.service']).toBe(request.service);
      expect(span.attributes['http.request.method']).toBe(request.method);
    }
    expect(named(spans, 'GET /products?ids').attributes).toMatchObject({
      'peer.service': 'products',
      'url.template': '/products?ids',
      'bff.upstream.batch_size': 1,
      'bff.upstream.cache': 'miss',
      'bff.upstream.attempts': 1,
      'http.response.status_code': 200,
    });
    // No upstream host, URL or id in any attribute.
    const text = asText(spans);
    expect(text).not.toContain(new URL(upstream.urls.products).host);
    expect(text).not.toContain('fx-p1');
  });

  it('shows the parallel level of calls overlapping, and the review authors fetched after the reviews arrived', async () => {
    // Inventory and prices are held until both have arrived: they can only meet if sent in parallel.
    const barrier = createBarrier(2);
    onRequest = async (req) => {
      if (req.service === 'inventory' || req.service === 'pricing') await barrier.arrive(req.service);
    };
    await gql(gateway, 'web', PRODUCT_PAGE, { id: 'fx-p1' }, { traceparent: TRACEPARENT });
    expect(barrier.metTogether).toBe(true);
    const spans = await spansOfRequest();
    const inventory = named(spans, 'GET /inventory');
    const prices = named(spans, 'GET /prices');
    const reviews = named(spans, 'GET /reviews');
    const summaries = named(spans, 'GET /reviews/summary');
    const authors = named(spans, 'GET /users?ids');
    expect(overlap(inventory, prices)).toBe(true);
    expect(overlap(reviews, summaries)).toBe(true);
    expect(overlap(inventory, reviews)).toBe(true);
    for (const level of [inventory, prices, reviews, summaries]) expect(authors.startNs).toBeGreaterThan(level.startNs);
    expect(authors.startNs).toBeGreaterThanOrEqual(reviews.endNs);
  });

  it('passes the caller\'s tracestate on to every upstream request, beside its traceparent', async () => {
    const { body } = await gql(gateway, 'web', PRODUCT_PAGE, { id: 'fx-p1' }, { traceparent: TRACEPARENT, tracestate: 'vendor=abc,other=1' });
    expect(body.errors).toBeUndefined();
    await spansOfRequest();
    expect(upstream.requests.length).toBeGreaterThanOrEqual(5);
    for (const request of upstream.requests) {
      expect(String(request.headers['traceparent'])).toMatch(new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`));
      expect(request.headers['tracestate']).toBe('vendor=abc,other=1');
    }
  });

  it('marks the server span of a request whose client went away before its answer', async () => {
    // The review authors (users are never cached) are held until the client has gone.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const authors = (req: FixtureRequest) => req.service === 'users' && req.path !== '/health';
    onRequest = (req) => (authors(req) ? released : undefined);
    const gone = async () => Number((await (await fetch(`${gateway.url}/metrics`)).text()).match(/^bff_client_gone_total\{audience="web"\} (\d+)$/m)?.[1] ?? 0);
    const goneBefore = await gone();
    const abort = new AbortController();
    const sent = fetch(`${gateway.url}/web/graphql`, {
      method: 'POST',
      signal: abort.signal,
      headers: { 'content-type': 'application/json', traceparent: TRACEPARENT },
      body: JSON.stringify({ query: PRODUCT_PAGE, variables: { id: 'fx-p1' } }),
    });
    await expect.poll(() => upstream.requests.some(authors)).toBe(true);
    abort.abort();
    await expect(sent).rejects.toThrow();
    // The gateway has seen its client go, and only then do the authors answer.
    await expect.poll(gone).toBe(goneBefore + 1);
    release();
    // The operation's span ends once its work is over: everything of this request has been exported by then.
    await receiver.waitFor((spans) => spans.some((s) => s.kind === SPAN_KIND.SERVER) && spans.some((s) => s.name === 'query ProductPage'));
    expect(named([...receiver.spans], 'POST /web/graphql').attributes['error.type']).toBe('connection_closed');
  });

  it('marks a failing upstream call with error status and the contract code; the response is the one an untraced gateway gives', async () => {
    onRequest = (req) => (req.service === 'inventory' ? { status: 500, body: '{"error":{"code":"BOOM","message":"secret detail"}}' } : undefined);
    const traced = await gql(gateway, 'web', PRODUCT_PAGE, { id: 'fx-p1' }, { traceparent: TRACEPARENT });
    const spans = await spansOfRequest();
    const inventory = named(spans, 'GET /inventory');
    expect(inventory.status).toEqual({ code: STATUS_ERROR, message: 'UPSTREAM_UNAVAILABLE' });
    expect(inventory.attributes).toMatchObject({ 'error.type': 'UPSTREAM_UNAVAILABLE', 'http.response.status_code': 500, 'bff.upstream.attempts': 1 });
    expect(asText(spans)).not.toContain('secret detail');
    expect(asText(spans)).not.toContain(new URL(upstream.urls.inventory).host);
    const operation = named(spans, 'query ProductPage');
    expect(operation.attributes).toMatchObject({ 'bff.graphql.outcome': 'partial', 'error.type': 'UPSTREAM_UNAVAILABLE' });
    expect(operation.status.code).toBe(STATUS_ERROR);

    const plain = await startTestGateway({ upstreams: upstream.urls });
    try {
      const untraced = await gql(plain, 'web', PRODUCT_PAGE, { id: 'fx-p1' });
      expect(traced.status).toBe(untraced.status);
      expect(traced.body.data).toEqual(untraced.body.data);
      expect(traced.body.errors).toEqual(untraced.body.errors);
      expect(traced.body.errors?.[0]?.extensions?.['code']).toBe('UPSTREAM_UNAVAILABLE');
    } finally {
      await plain.close();
    }
  });

  it('records a retried call as one span with a retry event', async () => {
    let failed = false;
    onRequest = (req) => {
      if (req.service !== 'pricing' || failed) return undefined;
      failed = true;
      return { status: 503 };
    };
    const { body } = await gql(gateway, 'web', PRODUCT_PAGE, { id: 'fx-p1' }, { traceparent: TRACEPARENT });
    expect(body.errors).toBeUndefined();
    const prices = named(await spansOfRequest(), 'GET /prices');
    expect(prices.attributes).toMatchObject({ 'bff.upstream.attempts': 2, 'http.response.status_code': 200 });
    expect(prices.events).toEqual([{ name: 'retry', attributes: expect.objectContaining({ 'bff.upstream.attempt': 2, 'bff.upstream.reason': '503' }) }]);
    expect(prices.status.code).not.toBe(STATUS_ERROR);
  });

  it.each([
    ['wrong length', `00-${TRACE_ID}-${CALLER_SPAN_ID}0-01`],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-${CALLER_SPAN_ID}-01`],
    ['a bad version', `ff-${TRACE_ID}-${CALLER_SPAN_ID}-01`],
  ])('ignores a traceparent with %s and starts a new trace', async (_, traceparent) => {
    const { status, body } = await gql(gateway, 'web', PRODUCT_PAGE, { id: 'fx-p1' }, { traceparent, tracestate: 'vendor=x' });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    const spans = await spansOfRequest();
    const server = named(spans, 'POST /web/graphql');
    expect(server.parentSpanId).toBe('');
    expect(server.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(server.traceId).not.toBe(TRACE_ID);
    expect(server.traceId).not.toBe('0'.repeat(32));
    expect(spans.every((s) => s.traceId === server.traceId)).toBe(true);
    expect(upstream.requests.length).toBeGreaterThan(0);
    expect(upstream.requests.every((r) => String(r.headers['traceparent']).startsWith(`00-${server.traceId}-`))).toBe(true);
  });

  it('puts the trace id and the server span id on every log line of a traced request', async () => {
    // Both edges log into the one capture: a correlation id of each edge's own.
    const correlationId = `trace-log-${edgeThread}`;
    await gql(gateway, 'web', PRODUCT_PAGE, { id: 'fx-p1' }, { traceparent: TRACEPARENT, 'x-correlation-id': correlationId });
    const server = named(await spansOfRequest(), 'POST /web/graphql');
    const lines = logs.lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l['correlationId'] === correlationId);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatchObject({ trace_id: TRACE_ID, span_id: server.spanId });
  });

  it('records a refused operation on its cost admission span, with nothing upstream', async () => {
    const big = `{ ${Array.from({ length: 20 }, (_, i) => `o${i}: me { orders(first: 100) { edges { node { lines { product { id } } } } } }`).join(' ')} }`;
    const { status, body } = await gql(gateway, 'web', big, {}, { traceparent: TRACEPARENT });
    expect(status).toBe(400);
    expect(body.errors?.[0]?.extensions?.['code']).toBe('QUERY_TOO_EXPENSIVE');
    const spans = await spansOfRequest();
    const admission = named(spans, 'cost admission');
    expect(admission.status).toEqual({ code: STATUS_ERROR, message: 'QUERY_TOO_EXPENSIVE' });
    expect(admission.attributes['bff.cost.requested']).toBeGreaterThan(5_000);
    expect(named(spans, 'query').attributes).toMatchObject({ 'bff.graphql.outcome': 'rejected', 'error.type': 'QUERY_TOO_EXPENSIVE' });
    expect(spans.some((s) => s.name === 'execution' || s.kind === SPAN_KIND.CLIENT)).toBe(false);
    expect(upstream.requests).toHaveLength(0);
    // A 4xx is the client's mistake: the server span does not fail (HTTP semantic conventions).
    const server = named(spans, 'POST /web/graphql');
    expect(server.attributes['http.response.status_code']).toBe(400);
    expect(server.status.code).not.toBe(STATUS_ERROR);
    expect(server.attributes['error.type']).toBeUndefined();
  });

  it('cuts an operation name over 128 characters in the operation span\'s name and attribute', async () => {
    const name = `Long${'x'.repeat(20_000)}`;
    const { status } = await gql(gateway, 'web', `query ${name} { product(id: "fx-p1") { id } }`, {}, { traceparent: TRACEPARENT });
    expect(status).toBe(200);
    const spans = await spansOfRequest();
    const cut = `${name.slice(0, 128)}…`;
    expect(named(spans, `query ${cut}`).attributes['graphql.operation.name']).toBe(cut);
    expect(asText(spans).length).toBeLessThan(20_000);
  });

  it('records refused credentials on the credentials span', async () => {
    const { status } = await gql(gateway, 'web', '{ me { id } }', {}, { traceparent: TRACEPARENT, authorization: 'Bearer not.a.token' });
    expect(status).toBe(401);
    const spans = await spansOfRequest();
    expect(named(spans, 'credentials').attributes['error.type']).toBe('UNAUTHENTICATED');
    expect(named(spans, 'POST /web/graphql').attributes['http.response.status_code']).toBe(401);
    expect(named(spans, 'POST /web/graphql').status.code).not.toBe(STATUS_ERROR);
    expect(spans.some((s) => s.name.startsWith('query'))).toBe(false);
  });
});

describe('Tracing: a request the gateway refuses with a 5xx', () => {
  it('fails its server span with error.type the status code (HTTP semantic conventions), as for an overloaded 503', async () => {
    const otlp = await startOtlpReceiver();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const services = await startFixtureUpstream({ onRequest: (req) => (req.service === 'products' ? held : undefined) });
    const busy = await startTestGateway({
      upstreams: services.urls,
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, OTEL_BSP_SCHEDULE_DELAY: '20', OVERLOAD_MAX_IN_FLIGHT: '1', OVERLOAD_EDGE_THREAD: 'off' },
    });
    try {
      // One request in flight, held at the products service: the next is over the limit.
      const first = gql(busy, 'web', PRODUCT_PAGE, { id: 'fx-p1' });
      await expect.poll(() => services.requests.some((r) => r.service === 'products')).toBe(true);
      const refused = await gql(busy, 'web', PRODUCT_PAGE, { id: 'fx-p1' }, { 'x-correlation-id': 'refused-1' });
      expect(refused.status).toBe(503);
      release();
      expect((await first).status).toBe(200);
      const spans = await otlp.waitFor((all) => all.some((s) => s.attributes['bff.correlation_id'] === 'refused-1'));
      const server = spans.find((s) => s.attributes['bff.correlation_id'] === 'refused-1')!;
      expect(server.attributes).toMatchObject({ 'http.response.status_code': 503, 'error.type': '503' });
      expect(server.status.code).toBe(STATUS_ERROR);
      // The request served is no error.
      expect(spans.find((s) => s.kind === SPAN_KIND.SERVER && s !== server)?.attributes['error.type']).toBeUndefined();
    } finally {
      release();
      await busy.close();
      await services.close();
      await otlp.close();
    }
  });
});
