/**
 * What an operator sees when the OTLP receiver does not simply accept every
 * span: a partial success (some spans rejected), and a receiver that does not
 * answer while the gateway drains. The transport's retries themselves are the
 * official exporter's (`@opentelemetry/otlp-exporter-base`).
 */
import { ROOT_CONTEXT } from '@opentelemetry/api';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createTracing } from '../../src/observability/tracing/create-tracing.js';
import type { TracingConfig } from '../../src/observability/tracing/settings.js';
import { now, startSpan } from '../../src/observability/tracing/spans.js';
import { startFixtureUpstream, type FixtureUpstream } from '../helpers/fixture-upstream.js';
import { captureLogs, gql, startTestGateway } from '../helpers/gateway.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceiverAnswer } from '../helpers/otlp-receiver.js';
import { PRODUCT_PAGE } from '../operations/contract.js';

let receiver: OtlpReceiver | undefined;
let upstream: FixtureUpstream | undefined;
afterEach(async () => {
  await upstream?.close();
  await receiver?.close();
  receiver = upstream = undefined;
});

function config(url: string, protocol: TracingConfig['protocol']): TracingConfig {
  return {
    tracesUrl: `${url}/v1/traces`,
    protocol,
    headers: {},
    serviceName: 'bff-gateway',
    resourceAttributes: {},
    sampler: 'always_on',
    samplerRatio: 1,
    batch: { maxQueueSize: 2048, maxExportBatchSize: 512, scheduledDelayMs: 60_000, exportTimeoutMs: 5_000 },
  };
}

type LogLine = { level: number; msg: string; reason?: string };
const linesOf = (logs: { lines: string[] }) => logs.lines.map((line) => JSON.parse(line) as LogLine);

/** ExportTraceServiceResponse { partial_success: { rejected_spans, error_message } }, in protobuf. */
function partialSuccessProtobuf(rejected: number, message: string): Uint8Array {
  const text = Buffer.from(message);
  const partial = Buffer.concat([Buffer.from([0x08, rejected, 0x12, text.length]), text]);
  return new Uint8Array(Buffer.concat([Buffer.from([0x0a, partial.length]), partial]));
}

describe('Tracing: what the receiver answers', () => {
  it.each([
    ['http/protobuf', { status: 200, headers: { 'content-type': 'application/x-protobuf' }, body: partialSuccessProtobuf(2, 'spans too old') }],
    ['http/json', { status: 200, headers: { 'content-type': 'application/json' }, body: '{"partialSuccess":{"rejectedSpans":"2","errorMessage":"spans too old"}}' }],
  ] as const)('logs a partial success (%s): how many spans the receiver rejected, and why', async (protocol, answer: ReceiverAnswer) => {
    receiver = await startOtlpReceiver({ answer: () => answer });
    const logs = captureLogs();
    const tracing = createTracing(config(receiver.url, protocol), pino({ level: 'warn' }, logs.destination));
    for (const name of ['a', 'b', 'c']) startSpan(tracing, name, ROOT_CONTEXT).end(now());
    await tracing.shutdown();
    expect(receiver.requests).toHaveLength(1);
    // Not retried: the receiver has the request, and said what it kept.
    expect(linesOf(logs)).toEqual([expect.objectContaining({ level: 40, msg: 'trace export partly rejected: spans dropped', reason: '2 spans rejected: spans too old' })]);
  });

  it('sends gzip-compressed batches with OTEL_EXPORTER_OTLP_COMPRESSION=gzip, as the configuration read it', async () => {
    receiver = await startOtlpReceiver();
    upstream = await startFixtureUpstream();
    const gateway = await startTestGateway({ upstreams: upstream.urls, env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip' } });
    try {
      expect((await gql(gateway, 'web', PRODUCT_PAGE, { id: 'fx-p1' })).status).toBe(200);
    } finally {
      await gateway.close();
    }
    expect(receiver.requests.length).toBeGreaterThan(0);
    expect(receiver.requests.every((r) => r.contentEncoding === 'gzip')).toBe(true);
    expect(receiver.spans.some((s) => s.name === 'POST /web/graphql')).toBe(true);
  });

  it('says so when the spans buffered at shutdown could not be sent before the drain went on (a receiver that never answers)', async () => {
    receiver = await startOtlpReceiver({ answer: () => 'hang' });
    upstream = await startFixtureUpstream();
    const logs = captureLogs();
    const gateway = await startTestGateway({
      upstreams: upstream.urls,
      // Only the drain sends the batch.
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '600000', LOG_LEVEL: 'warn' },
      logDestination: logs.destination,
    });
    const { status } = await gql(gateway, 'web', PRODUCT_PAGE, { id: 'fx-p1' });
    expect(status).toBe(200);
    const started = Date.now();
    await gateway.close();
    // The flush is bounded (3 s), whatever the receiver does.
    expect(Date.now() - started).toBeLessThan(6_000);
    expect(receiver.requests).toHaveLength(1);
    const warnings = linesOf(logs).filter((line) => /trace/.test(line.msg));
    expect(warnings).toEqual([expect.objectContaining({ level: 40, msg: 'trace export on shutdown did not finish: spans dropped', spans: expect.any(Number) })]);
    expect((warnings[0] as unknown as { spans: number }).spans).toBeGreaterThanOrEqual(8);
  });
});
