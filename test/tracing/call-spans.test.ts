import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT_CONTEXT } from '@opentelemetry/api';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CallTracer, RequestMeta } from '../../clients/index.js';
import { startCallSpan } from '../../src/observability/tracing/call-spans.js';
import { createTracing, type Tracing } from '../../src/observability/tracing/create-tracing.js';
import { contextWith, now, startSpan } from '../../src/observability/tracing/spans.js';
import { META, rejectionOf, startHarness, type Harness } from '../clients/harness.js';
import { SPAN_KIND, STATUS_ERROR, startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver.js';

let receiver: OtlpReceiver;
let tracing: Tracing;
let h: Harness;
beforeAll(async () => {
  receiver = await startOtlpReceiver();
  tracing = createTracing(
    {
      tracesUrl: `${receiver.url}/v1/traces`,
      protocol: 'http/json',
      headers: {},
      serviceName: 'bff-gateway',
      resourceAttributes: {},
      sampler: 'parentbased_traceidratio',
      samplerRatio: 1,
      batch: { maxQueueSize: 2048, maxExportBatchSize: 512, scheduledDelayMs: 20, exportTimeoutMs: 5_000 },
    },
    pino({ level: 'silent' }),
  );
  h = await startHarness({ timeoutMs: 3_000, circuit: { failureThreshold: 2, cooldownMs: 60_000 } });
});
afterEach(() => {
  h.reset();
  receiver.spans.length = 0;
});
afterAll(async () => {
  await h.close();
  await tracing.shutdown();
  await receiver.close();
});

/** Upstream calls made by `work` under one parent span, and the client spans they gave once all have arrived. */
async function clientSpansOf(count: number, work: (meta: RequestMeta) => Promise<unknown>): Promise<{ parent: string; clients: ReceivedSpan[] }> {
  const parent = startSpan(tracing, 'execution', ROOT_CONTEXT);
  const under = contextWith(parent);
  const tracer: CallTracer = { start: (call) => startCallSpan(tracing, under, call) };
  await work({ ...META, tracer });
  parent.end(now());
  const spans = await receiver.waitFor((all) => all.filter((s) => s.kind === SPAN_KIND.CLIENT).length >= count && all.some((s) => s.name === 'execution'));
  return { parent: parent.spanContext().spanId, clients: spans.filter((s) => s.kind === SPAN_KIND.CLIENT) };
}

describe('Tracing: client spans through the call-tracer seam', () => {
  it('gives a cache miss, a coalesced wait and a cache hit one span each; only the miss went upstream, naming its span', async () => {
    h.hook((req) => {
      if (req.service !== 'products') return undefined;
      const items = h.upstream.data.products.filter((p) => p.id === 'fx-p1');
      return sleep(50).then(() => ({ status: 200, body: JSON.stringify({ items }), headers: { 'cache-control': 'public, max-age=30' } }));
    });
    const { parent, clients } = await clientSpansOf(3, async (meta) => {
      await Promise.all([h.clients.forRequest(meta).products.getProductsByIds(['fx-p1']), h.clients.forRequest(meta).products.getProductsByIds(['fx-p1'])]);
      await h.clients.forRequest(meta).products.getProductsByIds(['fx-p1']);
    });
    expect(clients).toHaveLength(3);
    expect(clients.every((s) => s.parentSpanId === parent && s.name === 'GET /products?ids')).toBe(true);
    const byCache = Object.fromEntries(clients.map((s) => [s.attributes['bff.upstream.cache'], s]));
    expect(Object.keys(byCache).sort()).toEqual(['coalesced', 'hit', 'miss']);
    expect(byCache['miss']!.attributes).toMatchObject({ 'bff.upstream.attempts': 1, 'http.response.status_code': 200, 'bff.upstream.batch_size': 1, 'peer.service': 'products' });
    for (const unsent of [byCache['hit']!, byCache['coalesced']!]) {
      expect(unsent.attributes['bff.upstream.attempts']).toBe(0);
      expect(unsent.attributes['http.response.status_code']).toBeUndefined();
    }
    expect(h.upstream.requests).toHaveLength(1);
    expect(h.upstream.requests[0]!.headers['traceparent']).toBe(`00-${byCache['miss']!.traceId}-${byCache['miss']!.spanId}-01`);
  });

  it('shows a call refused by the open circuit as a failed span with a circuit_open event and nothing sent', async () => {
    h.hook((req) => (req.service === 'users' ? { status: 500 } : undefined));
    const { clients } = await clientSpansOf(3, async (meta) => {
      for (let i = 0; i < 3; i++) await rejectionOf(h.clients.forRequest(meta).users.getUser('fx-alice'));
    });
    expect(h.upstream.requests).toHaveLength(2);
    const refused = clients.filter((s) => s.events.some((e) => e.name === 'circuit_open'));
    expect(refused).toHaveLength(1);
    expect(refused[0]!.attributes).toMatchObject({ 'bff.upstream.attempts': 0, 'error.type': 'UPSTREAM_UNAVAILABLE' });
    expect(refused[0]!.status).toEqual({ code: STATUS_ERROR, message: 'UPSTREAM_UNAVAILABLE' });
    expect(clients.filter((s) => s.attributes['http.response.status_code'] === 500)).toHaveLength(2);
  });
});
