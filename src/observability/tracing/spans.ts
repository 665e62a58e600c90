/**
 * Small span helpers shared by the modules that own spans: one clock, an
 * explicit parent, and failures recorded by contract code only.
 */
import { ROOT_CONTEXT, SpanStatusCode, trace, type Context, type HrTime, type Span, type SpanOptions } from '@opentelemetry/api';
import { hrTime } from '@opentelemetry/core';
import type { Tracing } from './create-tracing.js';
import { errorCodeOf } from './error-code.js';

/**
 * The one clock of every span time: the process's monotonic clock from its
 * time origin. The SDK's default starts a span at `Date.now()` (whole
 * milliseconds), which could show a call starting before the one it waited for.
 */
export const now = (): HrTime => hrTime();

/** Starts a span under `parent` on that clock (so end it, and time its events, with `now()`). */
export function startSpan(tracing: Tracing, name: string, parent: Context, options: SpanOptions = {}): Span {
  return tracing.tracer.startSpan(name, { ...options, startTime: now() }, parent);
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
