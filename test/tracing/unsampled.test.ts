import { describe, expect, it } from 'vitest';
import { startFixtureUpstream } from '../helpers/fixture-upstream.js';
import { captureLogs, gql, startTestGateway } from '../helpers/gateway.js';
import { SPAN_KIND, startOtlpReceiver } from '../helpers/otlp-receiver.js';
import { PRODUCT_PAGE } from '../operations/contract.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN_ID = '00f067aa0ba902b7';
const UNSAMPLED = `00-${TRACE_ID}-${CALLER_SPAN_ID}-00`;
const SAMPLED = `00-${TRACE_ID}-${CALLER_SPAN_ID}-01`;

describe('Tracing: a request the sampler leaves out', () => {
  it('records nothing, answers as a sampled one does, and passes the unsampled trace context to every upstream call', async () => {
    const receiver = await startOtlpReceiver();
    const upstream = await startFixtureUpstream();
    const logs = captureLogs();
    // The default sampler (parentbased_traceidratio at 1.0): the caller's "not sampled" decides.
    const gateway = await startTestGateway({
      upstreams: upstream.urls,
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '20', LOG_LEVEL: 'info' },
      logDestination: logs.destination,
    });
    let unsampled;
    let sampled;
    try {
      unsampled = await gql(gateway, 'web', PRODUCT_PAGE, { id: 'fx-p1' }, { traceparent: UNSAMPLED, 'x-correlation-id': 'unsampled-1' });
      const sentUnsampled = upstream.requests.map((r) => r.headers['traceparent']);
      upstream.requests.length = 0;
      // A sampled caller on the same gateway: its spans show the receiver and the exporter work.
      sampled = await gql(gateway, 'web', PRODUCT_PAGE, { id: 'fx-p1' }, { traceparent: SAMPLED, 'x-correlation-id': 'sampled-1' });
      await receiver.waitFor((spans) => spans.some((s) => s.kind === SPAN_KIND.SERVER));

      expect(unsampled.status).toBe(200);
      expect(unsampled.body.errors).toBeUndefined();
      expect(unsampled.body.data).toEqual(sampled.body.data);
      // Every upstream call carries the caller's trace, not sampled, under one (unrecorded) span of the gateway.
      expect(sentUnsampled.length).toBeGreaterThanOrEqual(5);
      const pattern = new RegExp(`^00-${TRACE_ID}-([0-9a-f]{16})-00$`);
      const parents = new Set(sentUnsampled.map((header) => pattern.exec(String(header))?.[1]));
      expect(parents.size).toBe(1);
      expect([...parents][0]).toMatch(/^[0-9a-f]{16}$/);
      expect([...parents][0]).not.toBe(CALLER_SPAN_ID);
    } finally {
      await gateway.close();
      await upstream.close();
    }
    await receiver.close();
    // Only the sampled request's spans reached the receiver (the close flushed everything buffered).
    const servers = receiver.spans.filter((s) => s.kind === SPAN_KIND.SERVER);
    expect(servers).toHaveLength(1);
    expect(servers[0]!.attributes['bff.correlation_id']).toBe('sampled-1');
    expect(receiver.spans.every((s) => s.traceId === TRACE_ID)).toBe(true);
    expect(receiver.spans.filter((s) => s.kind === SPAN_KIND.CLIENT)).toHaveLength(upstream.requests.length);
    // Its log line carries no trace ids (no trace to join); the sampled request's does.
    const lines = logs.lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l['msg'] === 'request');
    expect(lines.find((l) => l['correlationId'] === 'unsampled-1')).not.toHaveProperty('trace_id');
    expect(lines.find((l) => l['correlationId'] === 'sampled-1')).toHaveProperty('trace_id', TRACE_ID);
  });
});
