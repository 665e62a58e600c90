/**
 * Small span helpers shared by the modules that own spans: one clock, an
 * explicit parent, and failures recorded by contract code only.
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';
import type { Tracing } from './create-tracing.js';
import { errorCodeOf } from './error-code.js';
import { now } from './span-time.js';

export { now };

/** The recorder copies a span's initial attributes, so one empty object serves every span without any. */
const NO_ATTRIBUTES: Attributes = Object.freeze({});

/**
 * Starts a span under `parent` on that clock (so end it, and time its
 * events, with `now()`). One options shape for every span: the recorder's
 * hot path stays monomorphic.
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
