/**
 * One CLIENT span per logical upstream call, told of through the clients'
 * call-tracer seam (clients/call-tracer.ts): named `GET /products?ids` after
 * the route template (HTTP client semantic conventions, `url.template`), with
 * the service, batch size, cache result (a hit or a coalesced wait is a span
 * with no attempt), attempts and last status; retries and an open circuit are
 * events. Never the URL, host or body: ids and upstream detail stay out of
 * the trace backend.
 */
import { isSpanContextValid, SpanKind, SpanStatusCode, type Attributes, type Context, type Span } from '@opentelemetry/api';
import type { CallEvent, CallStart, CallTrace, RetryInfo } from '../../../clients/index.js';
import type { Tracing } from './create-tracing.js';
import { now, startSpan } from './spans.js';

/**
 * The W3C `traceparent` (and `tracestate`) naming `span` as the parent of
 * what the upstream does. Written directly rather than through the
 * propagator, which builds a context per call for the same string.
 * https://www.w3.org/TR/trace-context/#traceparent-header
 */
export function traceHeadersOf(span: Span): Readonly<Record<string, string>> | undefined {
  const context = span.spanContext();
  // As the W3C propagator does: an invalid context (all-zero ids) is never sent.
  if (!isSpanContextValid(context)) return undefined;
  const { traceId, spanId, traceFlags, traceState } = context;
  const traceparent = `00-${traceId}-${spanId}-${(traceFlags & 0xff).toString(16).padStart(2, '0')}`;
  const state = traceState?.serialize();
  return state ? { traceparent, tracestate: state } : { traceparent };
}

/** Follows one call: the same `traceparent` on every attempt (retries are events of this span, not spans). */
class CallSpan implements CallTrace {
  /** null until the first attempt asks; undefined when there is nothing to send. */
  private headers: Readonly<Record<string, string>> | undefined | null = null;

  constructor(private readonly span: Span) {}

  attempt(): Readonly<Record<string, string>> | undefined {
    if (this.headers === null) this.headers = traceHeadersOf(this.span);
    return this.headers;
  }

  retry(info: RetryInfo): void {
    // `attempt` names the attempt about to be sent; `reason` is what failed the last one.
    this.span.addEvent(
      'retry',
      {
        'bff.upstream.attempt': info.attempt + 1,
        'bff.upstream.delay_ms': Math.round(info.waitMs),
        'bff.upstream.reason': info.status === undefined ? info.errorCode : String(info.status),
      },
      now(),
    );
  }

  end(event: CallEvent): void {
    const { span } = this;
    // The breaker refuses before anything is sent, so the refusal is at the call's end.
    if (event.circuitOpen) span.addEvent('circuit_open', undefined, now());
    span.setAttribute('bff.upstream.attempts', event.attempts);
    if (event.status !== undefined) span.setAttribute('http.response.status_code', event.status);
    if (event.errorCode !== undefined) {
      // The contract's code only: never a message, host or stack (they may hold upstream detail).
      span.setAttribute('error.type', event.errorCode);
      span.setStatus({ code: SpanStatusCode.ERROR, message: event.errorCode });
    }
    span.end(now());
  }
}

/** Starts the span of one logical call under `parent` (the request's execution span while the operation runs). */
export function startCallSpan(tracing: Tracing, parent: Context, call: CallStart): CallTrace {
  const attributes: Attributes = {
    'http.request.method': call.method,
    'url.template': call.route,
    'peer.service': call.service,
  };
  if (call.batchSize !== undefined) attributes['bff.upstream.batch_size'] = call.batchSize;
  if (call.cache !== undefined) attributes['bff.upstream.cache'] = call.cache;
  return new CallSpan(startSpan(tracing, `${call.method} ${call.route}`, parent, SpanKind.CLIENT, attributes));
}
