/**
 * The edge's part of tracing: one SERVER span per GraphQL endpoint request
 * (`POST /web/graphql`), child of the caller's span when a valid W3C
 * `traceparent` came in (a malformed one is ignored: a new trace starts).
 * Probes, metrics scrapes and unknown paths are not traced.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { defaultTextMapGetter, ROOT_CONTEXT, SpanKind, SpanStatusCode, type Context, type Span } from '@opentelemetry/api';
import { pino, type Logger } from 'pino';
import type { CallStart, CallTrace, CallTracer } from '../../../clients/index.js';
import { startCallSpan, traceHeadersOf } from './call-spans.js';
import type { Tracing } from './create-tracing.js';
import type { RequestTrace } from './request-trace.js';
import { contextWith, now, recordFailure, startSpan } from './spans.js';

/** Semantic conventions: other methods are `_OTHER` (a client must not mint span names). */
const KNOWN_METHODS = new Set(['GET', 'POST', 'OPTIONS', 'HEAD', 'PUT', 'DELETE', 'PATCH']);

const CHINDINGS = pino.symbols.chindingsSym;

/**
 * `base` with `trace_id` and `span_id` on every line. The ids are hex, so
 * their JSON is written as it is into the child's bindings (pino's
 * documented `symbols`): `child({ trace_id, span_id })` runs each binding
 * through the wildcard of the credential redaction, which cost more than the
 * rest of a traced request's logging (BENCHMARKS.md, "Tracing").
 */
function withTraceIds(base: Logger, traceId: string, spanId: string): Logger {
  const child = base.child({});
  const bindings = child as unknown as Record<symbol, string>;
  bindings[CHINDINGS] = `${bindings[CHINDINGS] ?? ''},"trace_id":"${traceId}","span_id":"${spanId}"`;
  return child;
}

/**
 * One traced request; also its `CallTracer` (`RequestMeta.tracer`), so a
 * request costs one object of ours, not a closure per method.
 */
class TracedRequest implements RequestTrace, CallTracer {
  readonly recording = true;
  readonly serverContext: Context;
  parent: Context;
  private child: { base: Logger; logger: Logger } | undefined;

  constructor(
    readonly tracing: Tracing,
    readonly server: Span,
  ) {
    this.serverContext = contextWith(server);
    this.parent = this.serverContext;
  }

  get calls(): CallTracer {
    return this;
  }

  start(call: CallStart): CallTrace {
    return startCallSpan(this.tracing, this.parent, call);
  }

  logger(base: Logger): Logger {
    if (this.child?.base !== base) {
      const { traceId, spanId } = this.server.spanContext();
      this.child = { base, logger: withTraceIds(base, traceId, spanId) };
    }
    return this.child.logger;
  }

  async inSpan<T>(name: string, work: () => Promise<T>): Promise<T> {
    const child = startSpan(this.tracing, name, this.parent);
    try {
      return await work();
    } catch (error) {
      recordFailure(child, error);
      throw error;
    } finally {
      child.end(now());
    }
  }
}

/**
 * A request the sampler left out: nothing is recorded, so nothing is built —
 * no child spans, no plugin work, no child logger. Its trace context still
 * goes to every upstream call, unsampled (`traceparent` flags `00`), so the
 * services behind follow the same decision (W3C Trace Context); one object
 * is the request's trace, its call tracer and every call's trace.
 */
class UnsampledRequest implements RequestTrace, CallTracer, CallTrace {
  readonly recording = false;
  readonly serverContext: Context;
  parent: Context;
  private readonly headers: Readonly<Record<string, string>> | undefined;

  constructor(
    readonly tracing: Tracing,
    readonly server: Span,
  ) {
    this.serverContext = contextWith(server);
    this.parent = this.serverContext;
    this.headers = traceHeadersOf(server);
  }

  get calls(): CallTracer {
    return this;
  }

  start(): CallTrace {
    return this;
  }

  attempt(): Readonly<Record<string, string>> | undefined {
    return this.headers;
  }

  end(): void {}

  logger(base: Logger): Logger {
    return base;
  }

  inSpan<T>(_name: string, work: () => Promise<T>): Promise<T> {
    return work();
  }
}

/** The trace of a request to `audience`'s GraphQL endpoint, its server span started (called by the edge). */
export function startRequestTrace(tracing: Tracing, req: IncomingMessage, res: ServerResponse, audience: string): RequestTrace {
  const method = KNOWN_METHODS.has(req.method ?? '') ? (req.method as string) : '_OTHER';
  const route = `/${audience}/graphql`;
  const incoming = tracing.propagator.extract(ROOT_CONTEXT, req.headers, defaultTextMapGetter);
  const span = startSpan(tracing, `${method} ${route}`, incoming, SpanKind.SERVER, {
    'http.request.method': method,
    'http.route': route,
    'url.path': route,
    'url.scheme': 'http',
    'bff.audience': audience,
  });
  if (!span.isRecording()) return new UnsampledRequest(tracing, span);
  res.once('close', () => {
    span.setAttribute('http.response.status_code', res.statusCode);
    const correlationId = res.getHeader('x-correlation-id');
    if (typeof correlationId === 'string') span.setAttribute('bff.correlation_id', correlationId);
    // Server spans fail on 5xx only: a 4xx is the client's mistake. The error's type is then the status code
    // (HTTP semantic conventions), unless the client went away first.
    if (res.statusCode >= 500) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: String(res.statusCode) });
      span.setAttribute('error.type', String(res.statusCode));
    }
    if (!res.writableFinished) span.setAttribute('error.type', 'connection_closed');
    span.end(now());
  });
  return new TracedRequest(tracing, span);
}

