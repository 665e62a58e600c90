/**
 * Small span helpers shared by the modules that own spans: one clock, an
 * explicit parent, and failures recorded by contract code only.
 */
import { performance } from 'node:perf_hooks';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type HrTime, type Span } from '@opentelemetry/api';
import type { Tracing } from './create-tracing.js';
import { errorCodeOf } from './error-code.js';

const NANOS_PER_SECOND = 1_000_000_000;
/** The process's time origin as [seconds, nanoseconds], read once: it never changes. */
const ORIGIN: HrTime = [Math.trunc(performance.timeOrigin / 1000), Math.round((performance.timeOrigin % 1000) * 1_000_000)];

/**
 * The one clock of every span time: the process's monotonic clock from its
 * time origin. The SDK's default starts a span at `Date.now()` (whole
 * milliseconds), which could show a call starting before the one it waited
 * for. Same arithmetic as `hrTime()` of `@opentelemetry/core`, without
 * converting the origin again on every call (several times per span).
 */
export function now(): HrTime {
  const elapsedMs = performance.now();
  const seconds = Math.trunc(elapsedMs / 1000);
  const nanos = ORIGIN[1] + Math.round((elapsedMs - seconds * 1000) * 1_000_000);
  return nanos >= NANOS_PER_SECOND ? [ORIGIN[0] + seconds + 1, nanos - NANOS_PER_SECOND] : [ORIGIN[0] + seconds, nanos];
}

/** The SDK copies a span's initial attributes, so one empty object serves every span without any. */
const NO_ATTRIBUTES: Attributes = Object.freeze({});

/**
 * Starts a span under `parent` on that clock (so end it, and time its
 * events, with `now()`). One options shape for every span: the SDK's hot
 * path stays monomorphic.
 */
export function startSpan(tracing: Tracing, name: string, parent: Context, kind: SpanKind = SpanKind.INTERNAL, attributes: Attributes = NO_ATTRIBUTES): Span {
  return tracing.tracer.startSpan(name, { kind, attributes, startTime: now() }, parent);
}

/** A context with `span` as the parent of what starts next. */
export function contextWith(span: Span): Context {
  return trace.setSpan(ROOT_CONTEXT, span);
}

/** Marks `span` failed with the contract's error code (never a message, host or stack: they may hold upstream detail). */
export function recordFailure(span: Span, error: unknown): string {
  const code = errorCodeOf(error);
  span.setAttribute('error.type', code);
  span.setStatus({ code: SpanStatusCode.ERROR, message: code });
  return code;
}
