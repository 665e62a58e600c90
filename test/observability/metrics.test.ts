import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoServices, type DemoServices } from '../../src/demo/index.js';
import type { Gateway } from '../../src/gateway.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { createOperationLabeller, OTHER_OPERATION } from '../../src/observability/operation-label.js';
import { gql, startTestGateway } from '../helpers/gateway.js';
import { PRODUCT_PAGE } from '../operations/contract.js';

let demo: DemoServices;
let gateway: Gateway;
let other: Gateway;
beforeAll(async () => {
  demo = await startDemoServices();
  [gateway, other] = await Promise.all([startTestGateway({ upstreams: demo.urls }), startTestGateway({ upstreams: demo.urls })]);
});
afterAll(async () => {
  await Promise.all([gateway.close(), other.close()]);
  await demo.close();
});

async function scrape(g: Gateway): Promise<{ status: number; type: string | null; text: string }> {
  const response = await fetch(`${g.url}/metrics`);
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
}

/** The value of one sample line, e.g. `bff_requests_total{audience="web",…}`. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const line = text.split('\n').find((l) => {
    if (!l.startsWith(name + '{')) return false;
    return Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`));
  });
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('/metrics', () => {
  it('shows requests, durations, upstream calls, cache results, circuit states, cost and process metrics after a few queries', async () => {
    for (let i = 0; i < 2; i++) await gql(gateway, 'web', PRODUCT_PAGE, { id: 'p1' });
    await gql(gateway, 'public', '{ products(first: 2) { edges { node { id } } } }', {}, { 'x-api-key': 'demo-public-key-pro' });
    await gql(gateway, 'web', '{ nope }');

    const { status, type, text } = await scrape(gateway);
    expect(status).toBe(200);
    expect(type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(sample(text, 'bff_requests_total', { audience: 'web', operation: 'ProductPage', outcome: 'ok' })).toBe(2);
    expect(sample(text, 'bff_requests_total', { audience: 'public', operation: '__anonymous', outcome: 'ok' })).toBe(1);
    expect(sample(text, 'bff_requests_total', { audience: 'web', outcome: 'rejected' })).toBe(1);
    expect(sample(text, 'bff_request_duration_seconds_count', { audience: 'web', operation: 'ProductPage' })).toBe(2);
    expect(sample(text, 'bff_upstream_calls_total', { service: 'products', route: '/products?ids', method: 'GET', status: '200', outcome: 'ok' })).toBe(1);
    expect(sample(text, 'bff_upstream_call_duration_seconds_count', { service: 'users', route: '/users?ids' })).toBe(2);
    expect(sample(text, 'bff_upstream_cache_total', { service: 'products', result: 'miss' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'bff_upstream_cache_total', { service: 'products', result: 'hit' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'bff_circuit_state', { service: 'inventory' })).toBe(0);
    expect(sample(text, 'bff_operation_cost_requested_count', { audience: 'web' })).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'bff_operation_cost_actual_count', { audience: 'web' })).toBeGreaterThanOrEqual(2);
    expect(text).toContain('# TYPE bff_rate_limited_total counter');
    expect(text).toContain('# TYPE bff_upstream_retries_total counter');
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
    // Route templates only: no concrete id or URL becomes a label.
    expect(text).not.toMatch(/ids=|p1"|127\.0\.0\.1/);
  });

  it('keeps each gateway’s series to itself', async () => {
    const before = sample((await scrape(other)).text, 'bff_requests_total', { audience: 'web', operation: 'ProductPage', outcome: 'ok' });
    await gql(gateway, 'web', PRODUCT_PAGE, { id: 'p1' });
    expect(sample((await scrape(other)).text, 'bff_requests_total', { audience: 'web', operation: 'ProductPage', outcome: 'ok' })).toBe(before);
  });

  it('counts rate-limit rejections through the API the cost plugin calls', async () => {
    other.metrics.rateLimited('public', 'budget');
    other.metrics.observeCost('public', 40, 12);
    const { text } = await scrape(other);
    expect(sample(text, 'bff_rate_limited_total', { audience: 'public', reason: 'budget' })).toBe(1);
    expect(sample(text, 'bff_operation_cost_actual_sum', { audience: 'public' })).toBe(12);
  });
});

describe('Series at 0 from the start', () => {
  // A counter series born at 1 never increases for Prometheus: an alert on increase() would miss its first event.
  it('are exposed for what the gateway serves and checks, and only for that', async () => {
    const bare = (await createMetrics().render()).body;
    expect(bare).not.toMatch(/^bff_(shed|rate_limited|client_gone|api_keys_reloads|jwks_fetch_failures)_total\{/m);
    expect(bare).toMatch(/^bff_api_keys_file_rejected 0$/m);
    const { body } = await createMetrics({ audiences: ['web', 'public'], apiKeysFile: true, jwks: true }).render();
    const zeros = (name: string) => body.split('\n').filter((line) => line.startsWith(`${name}{`) && line.endsWith('} 0'));
    expect(zeros('bff_shed_total')).toHaveLength(4);
    expect(zeros('bff_rate_limited_total')).toHaveLength(6);
    expect(body).toMatch(/^bff_rate_limited_total\{audience="public",reason="too_expensive"\} 0$/m);
    expect(zeros('bff_client_gone_total')).toEqual(['bff_client_gone_total{audience="web"} 0', 'bff_client_gone_total{audience="public"} 0']);
    expect(zeros('bff_api_keys_reloads_total')).toHaveLength(2);
    expect(zeros('bff_jwks_fetch_failures_total')).toHaveLength(6);
    expect(body).toMatch(/^bff_jwks_fetch_failures_total\{code="UPSTREAM_TIMEOUT",last_keys_kept="false"\} 0$/m);
  });
});

describe('Operation labels', () => {
  // A service answering random codes made a series per code: 687 status values from 600 requests.
  it('keeps upstream status labels to a bounded set, whatever codes a service sends', async () => {
    const metrics = createMetrics();
    for (let status = 0; status < 1_000; status++) {
      metrics.observeCall({ service: 'products', method: 'GET', route: '/products?ids', status, attempts: 1, durationMs: 1, errorCode: 'UPSTREAM_BAD_RESPONSE' });
    }
    const labels = new Set(
      (await metrics.registry.getSingleMetricAsString('bff_upstream_calls_total'))
        .split('\n')
        .map((line) => /status="([^"]*)"/.exec(line)?.[1])
        .filter((label): label is string => label !== undefined),
    );
    expect(labels.size).toBeLessThanOrEqual(45);
    expect([...labels]).toEqual(expect.arrayContaining(['200', '404', '429', '503', '2xx', '4xx', '5xx', 'invalid']));
    expect(labels.has('299')).toBe(false);
    expect(labels.has('600')).toBe(false);
  });

  it('keeps client-chosen operation names to a bounded set per audience', () => {
    const label = createOperationLabeller(3);
    expect(['A', 'B', 'C', 'D', 'A'].map((n) => label('web', n))).toEqual(['A', 'B', 'C', OTHER_OPERATION, 'A']);
    expect(label('mobile', 'D')).toBe('D');
    expect(label('web', 'x'.repeat(65))).toBe(OTHER_OPERATION);
    expect(label('web', undefined)).toBe('__anonymous');
  });
});
