/**
 * One CLIENT span per upstream call, named `GET /products?ids` after the
 * route template (HTTP client semantic conventions, `url.template`), with
 * the service, batch size, cache result, attempts and last status; retries
 * and an open circuit are events. Never the URL, host or body: ids and
 * upstream detail stay out of the trace backend.
 */
import { defaultTextMapSetter, SpanKind, type Context } from '@opentelemetry/api';
import type { CallTrace, CallTracer } from '../../../clients/index.js';
import type { Tracing } from './create-tracing.js';
import { contextWith, now, recordFailure, startSpan } from './spans.js';

/** A CallTracer whose spans hang under whatever `parent()` is when each call starts. */
export function createCallTracer(tracing: Tracing, parent: () => Context): CallTracer {
  return {
    start(call): CallTrace {
      const span = startSpan(tracing, `${call.method} ${call.route}`, parent(), {
          kind: SpanKind.CLIENT,
          attributes: {
            'http.request.method': call.method,
            'url.template': call.route,
            'peer.service': call.service,
            ...(call.batchSize === undefined ? {} : { 'bff.upstream.batch_size': call.batchSize }),
          },
      });
      let headers: Record<string, string> | undefined;
      let ended = false;
      return {
        // Built on first use: a cache hit sends nothing.
        get headers() {
          if (!headers) {
            headers = {};
            tracing.propagator.inject(contextWith(span), headers, defaultTextMapSetter);
          }
          return headers;
        },
        cache(result) {
          span.setAttribute('bff.upstream.cache', result);
        },
        retry(attempt, delayMs, reason) {
          span.addEvent('retry', { 'bff.upstream.attempt': attempt, 'bff.upstream.delay_ms': Math.round(delayMs), 'bff.upstream.reason': reason }, now());
        },
        circuitOpen() {
          span.addEvent('circuit_open', undefined, now());
        },
        settle(event) {
          span.setAttribute('bff.upstream.attempts', event.attempts);
          if (event.status !== undefined) span.setAttribute('http.response.status_code', event.status);
        },
        end(error) {
          if (ended) return;
          ended = true;
          if (error !== undefined) recordFailure(span, error);
          span.end(now());
        },
      };
    },
  };
}
