/**
 * The recorder's OTLP encoding against the official serializers of
 * `@opentelemetry/otlp-transformer`: the same spans (made by the official
 * SDK, so nothing of the recorder decides what they hold) encoded both ways
 * give the same export request, byte for byte in protobuf and value for value
 * in JSON — every attribute type, events, error status, a remote parent with
 * trace state, and strings long enough to need a longer length prefix.
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AlwaysOnSampler, InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { beforeAll, describe, expect, it } from 'vitest';
import { SpanRecorder } from '../../src/observability/tracing/recorder.js';
import { attributeList, JsonBatch, ProtobufBatch, type EncodableSpan, type ExportHeader, type SpanBatch } from '../../src/observability/tracing/otlp-encoding.js';
import { sinceOriginNs } from '../../src/observability/tracing/span-time.js';
import { decodeOtlp } from '../helpers/otlp-receiver.js';

const SCOPE = 'encoding-test';

async function officialSpans(): Promise<ReadableSpan[]> {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'bff-gateway', 'deployment.environment': 'test', 'host.cpus': 2 }),
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const tracer = provider.getTracer(SCOPE);
  const remote = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: '00f067aa0ba902b7',
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
    traceState: new TraceState('vendor=abc,other=1'),
  });
  const server = tracer.startSpan('POST /web/graphql', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'POST', 'bff.audience': 'web' } }, remote);
  const client = tracer.startSpan(
    'GET /products?ids',
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'peer.service': 'products',
        'bff.upstream.batch_size': 3,
        'bff.cost.ratio': 0.25,
        'bff.negative': -42,
        'bff.big': 2 ** 60,
        'bff.cached': false,
        'bff.graphql.error_codes': ['UPSTREAM_TIMEOUT', 'NOT_FOUND'],
        'bff.numbers': [1, 2.5, 3],
        'bff.unicode': 'Zürich — 東京 🚀',
        'bff.long': 'x'.repeat(300),
      },
    },
    trace.setSpan(ROOT_CONTEXT, server),
  );
  client.addEvent('retry', { 'bff.upstream.attempt': 2, 'bff.upstream.delay_ms': 50, 'bff.upstream.reason': '503' });
  client.addEvent('circuit_open');
  client.setAttribute('http.response.status_code', 503);
  client.setStatus({ code: SpanStatusCode.ERROR, message: 'UPSTREAM_UNAVAILABLE' });
  client.end();
  const named = tracer.startSpan(`query ${'A'.repeat(200)}`, {}, trace.setSpan(ROOT_CONTEXT, server));
  named.setStatus({ code: SpanStatusCode.OK });
  named.end();
  tracer.startSpan('root', { attributes: { many: 'y'.repeat(20_000) } }).end();
  server.end();
  await provider.forceFlush();
  return exporter.getFinishedSpans();
}

/** The same span as the recorder hands it to a batch. */
function encodable(span: ReadableSpan): EncodableSpan {
  const context = span.spanContext();
  return {
    traceId: context.traceId,
    spanId: context.spanId,
    parentSpanId: span.parentSpanContext?.spanId,
    traceState: context.traceState?.serialize(),
    flags: (context.traceFlags & 0xff) | 0x100 | (span.parentSpanContext?.isRemote ? 0x200 : 0),
    name: span.name,
    kind: span.kind + 1,
    startNs: sinceOriginNs(span.startTime),
    endNs: sinceOriginNs(span.endTime),
    attributes: attributeList(span.attributes),
    events: span.events.map((event) => ({ name: event.name, timeNs: sinceOriginNs(event.time), attributes: event.attributes })),
    statusCode: span.status.code,
    statusMessage: span.status.message,
  };
}

function ours(batch: SpanBatch, spans: ReadableSpan[]): Uint8Array {
  for (const span of spans) batch.add(encodable(span));
  expect(batch.count).toBe(spans.length);
  const body = batch.take();
  expect(batch.count).toBe(0);
  return body;
}

describe('OTLP encoding', () => {
  let spans: ReadableSpan[] = [];
  let header: ExportHeader;
  beforeAll(async () => {
    spans = await officialSpans();
    header = { resource: spans[0]!.resource.attributes, scopeName: SCOPE };
  });

  it('writes the same protobuf export request as the official serializer, byte for byte', () => {
    const official = ProtobufTraceSerializer.serializeRequest(spans)!;
    const mine = ours(new ProtobufBatch(header), spans);
    // Decoded first, so a difference reads as spans rather than bytes.
    expect(decodeOtlp('application/x-protobuf', mine)).toEqual(decodeOtlp('application/x-protobuf', official));
    expect(decodeOtlp('application/x-protobuf', mine)).toHaveLength(4);
    expect(Buffer.from(mine).equals(Buffer.from(official))).toBe(true);
  });

  it('writes the same JSON export request as the official serializer', () => {
    const official = JSON.parse(Buffer.from(JsonTraceSerializer.serializeRequest(spans)!).toString('utf8')) as unknown;
    const mine = JSON.parse(Buffer.from(ours(new JsonBatch(header), spans)).toString('utf8')) as unknown;
    expect(mine).toEqual(official);
  });

  it('starts afresh after each take: a second batch holds only its own spans', () => {
    const batch = new ProtobufBatch(header);
    ours(batch, spans);
    const second = ours(batch, spans.slice(0, 1));
    expect(decodeOtlp('application/x-protobuf', second).map((s) => s.name)).toEqual([spans[0]!.name]);
  });

  it("writes the recorder's spans from their id words exactly as from their hex ids, and repeated attribute pairs as the first time", () => {
    const recorded: EncodableSpan[] = [];
    const tracer = new SpanRecorder(new AlwaysOnSampler(), { onEnd: (span) => recorded.push(span) });
    const remote = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: '4BF92F3577B34DA6A3CE929D0E0E4736',
      spanId: '00f067aa0ba902b7',
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
      traceState: new TraceState('vendor=abc'),
    });
    // Twice over, with a value the second time that the first did not have: kept pairs and fresh ones side by side.
    for (const status of ['hit', 'miss']) {
      const server = tracer.startSpan('POST /web/graphql', { kind: SpanKind.SERVER, attributes: { 'bff.audience': 'web', 'url.scheme': 'http' } }, remote);
      const call = tracer.startSpan('GET /products?ids', { kind: SpanKind.CLIENT, attributes: { 'peer.service': 'products', 'bff.upstream.cache': status, 'bff.upstream.batch_size': 2 } }, trace.setSpan(ROOT_CONTEXT, server));
      call.setAttribute('bff.correlation_id', `c-${status}-${'z'.repeat(150)}`);
      call.end();
      server.end();
      tracer.startSpan('root', { attributes: { 'bff.audience': 'web' } }).end();
    }
    expect(recorded.every((span) => span.idWords !== undefined)).toBe(true);
    const fromWords = new ProtobufBatch(header);
    const fromHex = new ProtobufBatch(header);
    for (const span of recorded) {
      fromWords.add(span);
      // The same fields copied into a plain object, without the words: what the hex path writes.
      const { traceId, spanId, parentSpanId, traceState, flags, name, kind, startNs, endNs, attributes, events, statusCode, statusMessage } = span;
      fromHex.add({ traceId, spanId, parentSpanId, traceState, flags, name, kind, startNs, endNs, attributes, events, statusCode, statusMessage });
    }
    const words = fromWords.take();
    expect(Buffer.from(words).equals(Buffer.from(fromHex.take()))).toBe(true);
    const decoded = decodeOtlp('application/x-protobuf', words);
    expect(decoded).toHaveLength(6);
    expect(decoded.filter((s) => s.name === 'POST /web/graphql').every((s) => s.traceId === '4bf92f3577b34da6a3ce929d0e0e4736' && s.parentSpanId === '00f067aa0ba902b7')).toBe(true);
    expect(decoded.filter((s) => s.name === 'GET /products?ids').map((s) => s.attributes['bff.upstream.cache'])).toEqual(['hit', 'miss']);
  });
});
