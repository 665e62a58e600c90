/**
 * One traced request's state: its server span and the context whose span is
 * the parent of spans started now. Context is passed explicitly, never through
 * a context manager: the edge hands the trace to the GraphQL handler with the
 * request (`EdgeRequest.trace`), the handler ties it to the request's context (by its per-request `clients`,
 * like the upstream call counter, since Apollo hands plugins a copy of the
 * context), and the tracing plugin moves `parent` to the execution span while
 * the operation runs, so every upstream call's span hangs under it.
 *
 * Only types from OpenTelemetry here: with tracing off, nothing of tracing is
 * loaded (src/gateway.ts imports it on demand).
 */
import type { Context, Span } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { CallTracer } from '../../../clients/index.js';
import type { Tracing } from './create-tracing.js';

export interface RequestTrace {
  readonly tracing: Tracing;
  /**
   * False when the sampler left the request out: then no span of it is
   * recorded, the plugins skip it, and only its trace context (unsampled)
   * goes on to the upstreams.
   */
  readonly recording: boolean;
  readonly server: Span;
  /** A context whose span is the server span (where spans hang outside the operation). */
  readonly serverContext: Context;
  /** Where new spans hang: the server span, then the operation's spans. */
  parent: Context;
  /** `RequestMeta.tracer`: one client span per upstream call. */
  readonly calls: CallTracer;
  /** `base` with this request's `trace_id` and `span_id` on every line (one child logger per request). */
  logger(base: Logger): Logger;
  /** Runs `work` in a child span of `parent` named `name`; the span fails with `work`'s error code. */
  inSpan<T>(name: string, work: () => Promise<T>): Promise<T>;
}

const byClients = new WeakMap<object, RequestTrace>();

/** Ties `trace` to a request's GraphQL context (by its `clients`) and returns the context unchanged. */
export function withRequestTrace<C extends { clients: object }>(context: C, trace: RequestTrace | undefined): C {
  if (trace) byClients.set(context.clients, trace);
  return context;
}

/** The trace tied to this GraphQL context (or a copy of it). */
export function requestTraceOfContext(context: { clients: object }): RequestTrace | undefined {
  return byClients.get(context.clients);
}
