import { afterEach, describe, expect, it } from 'vitest';
import { startFixtureUpstream, type FixtureUpstream } from '../helpers/fixture-upstream.js';
import { SPAWNED_GATEWAY_TEST_MS, spawnGateway, type GatewayProcess } from '../helpers/gateway-process.js';
import { SPAN_KIND, startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver.js';
import { PRODUCT_PAGE } from '../operations/contract.js';

let upstream: FixtureUpstream | undefined;
let gateway: GatewayProcess | undefined;
let receiver: OtlpReceiver | undefined;
afterEach(async () => {
  if (gateway && gateway.child.exitCode === null) gateway.child.kill('SIGKILL');
  await upstream?.close();
  await receiver?.close();
  gateway = upstream = receiver = undefined;
});

describe('Tracing on SIGTERM', () => {
  it('exports the spans still buffered (OTLP http/protobuf, the default) before the process exits', async () => {
    receiver = await startOtlpReceiver();
    upstream = await startFixtureUpstream();
    gateway = await spawnGateway(upstream.urls, {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_SERVICE_NAME: 'bff-gateway-test',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=test,team=catalog%20web',
      // A batch that would only be due in ten minutes: only the drain can send it.
      OTEL_BSP_SCHEDULE_DELAY: '600000',
    });
    const response = await fetch(`${gateway.url}/web/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
      body: JSON.stringify({ query: PRODUCT_PAGE, variables: { id: 'fx-p1' } }),
    });
    expect(response.status).toBe(200);
    await response.json();
    expect(receiver.requests).toHaveLength(0);

    expect(await gateway.stop()).toBe(0);
    expect(receiver.requests.length).toBeGreaterThan(0);
    expect(receiver.requests.every((r) => r.contentType === 'application/x-protobuf')).toBe(true);
    const server = receiver.spans.find((s) => s.kind === SPAN_KIND.SERVER);
    expect(server).toMatchObject({ name: 'POST /web/graphql', traceId: '4bf92f3577b34da6a3ce929d0e0e4736', parentSpanId: '00f067aa0ba902b7' });
    expect(server!.resource).toMatchObject({ 'service.name': 'bff-gateway-test', 'deployment.environment': 'test', team: 'catalog web' });
    expect(receiver.spans.filter((s) => s.kind === SPAN_KIND.CLIENT)).toHaveLength(upstream.requests.length);
    expect(receiver.spans.find((s) => s.name === 'query ProductPage')?.attributes).toMatchObject({ 'graphql.operation.name': 'ProductPage', 'bff.cost.actual': expect.any(Number) });
    expect(receiver.spans.every((s) => s.traceId === '4bf92f3577b34da6a3ce929d0e0e4736')).toBe(true);
  }, SPAWNED_GATEWAY_TEST_MS);
});
