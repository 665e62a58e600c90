/**
 * The span recorder behind the OpenTelemetry API (src/observability/tracing/
 * recorder.ts): parents, sampling, span flags and the API's rules for status,
 * ending and events, on the records it hands its sink.
 */
import { performance } from 'node:perf_hooks';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { AlwaysOnSampler, ParentBasedSampler, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import type { EncodableSpan } from '../../src/observability/tracing/otlp-encoding.js';
import { SpanRecorder } from '../../src/observability/tracing/recorder.js';
import { sinceOriginNs } from '../../src/observability/tracing/span-time.js';

function recorder(ratio = 1) {
  const ended: EncodableSpan[] = [];
  const tracer = new SpanRecorder(new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) }), { onEnd: (span) => ended.push(span) });
  return { tracer, ended };
}

const REMOTE = {
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  spanId: '00f067aa0ba902b7',
  traceFlags: TraceFlags.SAMPLED,
  isRemote: true,
  traceState: new TraceState('vendor=abc'),
};

describe('the span recorder', () => {
  it('continues a remote parent, and gives children its trace, their parent and the local-parent flags', () => {
    const { tracer, ended } = recorder();
    const server = tracer.startSpan('POST /web/graphql', { kind: SpanKind.SERVER }, trace.setSpanContext(ROOT_CONTEXT, REMOTE));
    const child = tracer.startSpan('execution', {}, trace.setSpan(ROOT_CONTEXT, server));
    child.end();
    server.end();
    const [c, s] = ended;
    expect(s).toMatchObject({ traceId: REMOTE.traceId, parentSpanId: REMOTE.spanId, traceState: 'vendor=abc', flags: 0x301, kind: 2 });
    expect(c).toMatchObject({ traceId: REMOTE.traceId, parentSpanId: s!.spanId, traceState: 'vendor=abc', flags: 0x101, kind: 1 });
    expect(c!.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(c!.spanId).not.toBe(s!.spanId);
  });

  it('starts a new trace without a valid parent, and records nothing the sampler leaves out', () => {
    const { tracer, ended } = recorder();
    const root = tracer.startSpan('root', {}, trace.setSpanContext(ROOT_CONTEXT, { ...REMOTE, traceId: '0'.repeat(32) }));
    expect(root.spanContext().traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(root.spanContext().traceId).not.toBe('0'.repeat(32));
    root.end();
    expect(ended[0]).toMatchObject({ parentSpanId: undefined, flags: 0x101 });

    const none = recorder(0);
    const unsampled = none.tracer.startSpan('root');
    expect(unsampled.isRecording()).toBe(false);
    expect(unsampled.spanContext().traceFlags).toBe(TraceFlags.NONE);
    none.tracer.startSpan('child', {}, trace.setSpan(ROOT_CONTEXT, unsampled)).end();
    unsampled.end();
    expect(none.ended).toEqual([]);
  });

  it('follows the API: OK is final, UNSET is ignored, nothing changes after the end, and a span ends once', () => {
    const { tracer, ended } = recorder();
    const span = tracer.startSpan('call', { attributes: { a: 1 } });
    span.setStatus({ code: SpanStatusCode.ERROR, message: 'UPSTREAM_TIMEOUT' });
    span.setStatus({ code: SpanStatusCode.UNSET });
    expect(ended).toHaveLength(0);
    span.setStatus({ code: SpanStatusCode.OK, message: 'ignored for OK' });
    span.setStatus({ code: SpanStatusCode.ERROR, message: 'too late' });
    span.setAttributes({ b: 'x', c: undefined as unknown as string, d: [1, 2] });
    span.setAttribute('a', 2);
    span.updateName('call renamed');
    span.end();
    span.setAttribute('after', true);
    span.updateName('after');
    span.end();
    expect(ended).toHaveLength(1);
    expect(ended[0]).toMatchObject({ name: 'call renamed', statusCode: SpanStatusCode.OK, statusMessage: undefined, attributes: ['a', 2, 'b', 'x', 'd', [1, 2]] });
  });

  it('takes every TimeInput on one clock, events included, and keeps only the type of a recorded exception', () => {
    const { tracer, ended } = recorder();
    const nowMs = performance.now();
    const epochMs = performance.timeOrigin + nowMs;
    const hr: [number, number] = [Math.trunc(epochMs / 1000), Math.round((epochMs % 1000) * 1e6)];
    for (const input of [nowMs, epochMs, new Date(epochMs), hr]) expect(Math.abs(sinceOriginNs(input) - nowMs * 1e6)).toBeLessThan(1e6);
    const span = tracer.startSpan('call', { startTime: hr });
    span.addEvent('retry', { 'bff.upstream.attempt': 2 }, nowMs + 1);
    span.addEvent('circuit_open', nowMs + 2);
    span.recordException(Object.assign(new Error('GET http://users.internal:8080 failed'), { name: 'UpstreamError' }));
    span.end(new Date(epochMs + 3));
    const [recorded] = ended;
    expect(recorded!.events!.map((e) => [e.name, e.attributes])).toEqual([
      ['retry', { 'bff.upstream.attempt': 2 }],
      ['circuit_open', undefined],
      ['exception', { 'exception.type': 'UpstreamError' }],
    ]);
    expect(recorded!.events![1]!.timeNs - recorded!.startNs).toBeGreaterThan(1.5e6);
    // A Date has whole milliseconds.
    expect(recorded!.endNs - recorded!.startNs).toBeGreaterThan(2e6);
  });

  it('samples by the configured sampler when there is no recorded parent (always_on here)', () => {
    const ended: EncodableSpan[] = [];
    const tracer = new SpanRecorder(new AlwaysOnSampler(), { onEnd: (span) => ended.push(span) });
    tracer.startSpan('one').end();
    expect(ended).toHaveLength(1);
  });
});
