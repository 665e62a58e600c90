/**
 * `npm run bench:spans [-- --requests 50000]`: the span recorder and the
 * OTLP encoder in a tight loop, without the rest of the gateway: the eleven
 * spans of a traced ProductPage request (the same names, kinds, attributes
 * and parents as the gateway makes; client spans answered by the cache),
 * recorded only, then recorded and encoded into protobuf batches of 512.
 * The floor of what tracing adds per request, free of the network, the
 * collector's other work and the machine's drift (each figure is the best of
 * three rounds). See BENCHMARKS.md, "Tracing".
 */
import { parseArgs } from 'node:util';
import { ROOT_CONTEXT, SpanKind, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';
import { ParentBasedSampler, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace';
import { ProtobufBatch, type EncodableSpan } from '../src/observability/tracing/otlp-encoding.js';
import { SpanRecorder, type SpanSink } from '../src/observability/tracing/recorder.js';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '50000' } } });
const requests = Number(values.requests);

const CALLS: [service: string, route: string][] = [
  ['reviews', '/reviews'],
  ['inventory', '/inventory'],
  ['reviews', '/reviews/summary'],
  ['pricing', '/prices'],
  ['products', '/products?ids'],
  ['users', '/users?ids'],
];

function child(tracer: SpanRecorder, name: string, parent: Context, attributes: Attributes = {}, kind = SpanKind.INTERNAL): Span {
  return tracer.startSpan(name, { kind, attributes, startTime: performance.now() }, parent);
}

/** One traced ProductPage request's spans, as src/observability/tracing and src/plugins/tracing.ts make them. */
function request(tracer: SpanRecorder): void {
  const route = '/web/graphql';
  const server = child(tracer, `POST ${route}`, ROOT_CONTEXT, { 'http.request.method': 'POST', 'http.route': route, 'url.path': route, 'url.scheme': 'http', 'bff.audience': 'web' }, SpanKind.SERVER);
  const underServer = trace.setSpan(ROOT_CONTEXT, server);
  child(tracer, 'credentials', underServer).end(performance.now());
  const operation = child(tracer, 'GraphQL operation', underServer, { 'bff.consumer.tier': 'free', 'bff.consumer.kind': 'anonymous' });
  const underOperation = trace.setSpan(ROOT_CONTEXT, operation);
  operation.updateName('query ProductPage');
  operation.setAttribute('graphql.operation.type', 'query');
  operation.setAttribute('graphql.operation.name', 'ProductPage');
  const admission = child(tracer, 'cost admission', underOperation);
  admission.setAttribute('bff.cost.requested', 14);
  admission.end(performance.now());
  const execution = child(tracer, 'execution', underOperation);
  const underExecution = trace.setSpan(ROOT_CONTEXT, execution);
  for (const [service, path] of CALLS) {
    const attributes: Attributes = { 'http.request.method': 'GET', 'url.template': path, 'peer.service': service, 'bff.upstream.batch_size': 1, 'bff.upstream.cache': 'hit' };
    const call = child(tracer, `GET ${path}`, underExecution, attributes, SpanKind.CLIENT);
    call.setAttribute('bff.upstream.attempts', 0);
    call.end(performance.now());
  }
  execution.end(performance.now());
  operation.setAttribute('bff.graphql.outcome', 'ok');
  operation.setAttribute('bff.cost.requested', 14);
  operation.setAttribute('bff.cost.actual', 14);
  operation.end(performance.now());
  server.setAttribute('http.response.status_code', 200);
  server.setAttribute('bff.correlation_id', '0e59bf65-ba9f-4105-811e-3a8df76712d1');
  server.end(performance.now());
}

const batch = new ProtobufBatch({ resource: { 'service.name': 'bff-gateway', 'telemetry.sdk.language': 'nodejs' }, scopeName: 'bff-gateway' });
const sinks: Record<string, SpanSink> = {
  'recorded only': { onEnd() {} },
  'recorded and encoded': {
    onEnd(span: EncodableSpan) {
      batch.add(span);
      if (batch.count === 512) batch.take();
    },
  },
};
const sampler = new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(1) });

console.log(`| ${requests} ProductPage requests, 11 spans each | µs per request (best of 3) |`);
console.log('| --- | --: |');
for (const [label, sink] of Object.entries(sinks)) {
  const tracer = new SpanRecorder(sampler, sink);
  for (let i = 0; i < requests / 2; i += 1) request(tracer);
  let best = Infinity;
  for (let round = 0; round < 3; round += 1) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < requests; i += 1) request(tracer);
    best = Math.min(best, Number(process.hrtime.bigint() - started) / requests / 1000);
  }
  console.log(`| ${label} | ${best.toFixed(1)} |`);
}
