import { describe, expect, it } from 'vitest';
import { startFixtureUpstream } from '../helpers/fixture-upstream.js';
import { captureLogs, gql, startTestGateway } from '../helpers/gateway.js';
import { startOtlpReceiver } from '../helpers/otlp-receiver.js';
import { PRODUCT_PAGE } from '../operations/contract.js';

const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

describe('Tracing off (no OTLP endpoint configured)', () => {
  it('makes no spans, sends nothing to a receiver, propagates no trace context and logs nothing about it', async () => {
    const receiver = await startOtlpReceiver();
    const upstream = await startFixtureUpstream();
    const logs = captureLogs();
    // Everything but the endpoint: the rest alone must not turn tracing on.
    const gateway = await startTestGateway({
      upstreams: upstream.urls,
      env: { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '1', OTEL_SERVICE_NAME: 'x', LOG_LEVEL: 'debug' },
      logDestination: logs.destination,
    });
    try {
      for (let i = 0; i < 3; i++) {
        const { status, body } = await gql(gateway, 'web', PRODUCT_PAGE, { id: 'fx-p1' }, { traceparent: TRACEPARENT });
        expect(status).toBe(200);
        expect(body.errors).toBeUndefined();
      }
    } finally {
      // A traced gateway exports whatever it still holds here, on close.
      await gateway.close();
      await upstream.close();
    }
    await receiver.close();
    expect(receiver.requests).toHaveLength(0);
    expect(upstream.requests.length).toBeGreaterThan(0);
    expect(upstream.requests.every((r) => r.headers['traceparent'] === undefined && r.headers['tracestate'] === undefined)).toBe(true);
    const lines = logs.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.filter((l) => (l['level'] as number) >= 50)).toEqual([]);
    expect(lines.some((l) => 'trace_id' in l || /trac(e|ing)|otlp|span/i.test(String(l['msg'])))).toBe(false);
  });
});
