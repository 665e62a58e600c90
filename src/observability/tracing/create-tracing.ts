/**
 * The gateway's tracing: one span recorder per gateway (never a global
 * provider, so tests can run several gateways in one process) writing OTLP
 * (protobuf or JSON) batches with a bounded queue, the official sampler,
 * resource and OTLP/HTTP transport from configuration. No context manager is
 * installed: spans get their parent explicitly (src/observability/tracing/
 * request-trace.ts), so the async machinery of every request pays nothing.
 * Loaded on demand: a gateway without tracing never imports any of it.
 */
import { type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { AlwaysOffSampler, AlwaysOnSampler, ParentBasedSampler, TraceIdRatioBasedSampler, type Sampler } from '@opentelemetry/sdk-trace';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Audience } from '../../context.js';
import { tracingPlugins, type TracingPlugins } from '../../plugins/tracing.js';
import { throttledWarn } from '../throttled-log.js';
import { SpanRecorder } from './recorder.js';
import type { RequestTrace } from './request-trace.js';
import { startRequestTrace } from './server-span.js';
import { batchFor, otlpSender, SpanExport } from './span-export.js';
import { SHUTDOWN_FLUSH_MS, type SamplerName, type TracingConfig } from './settings.js';

export interface Tracing {
  readonly tracer: Tracer;
  /** W3C Trace Context, in (`traceparent`/`tracestate` from the client) and out (to every upstream call). */
  readonly propagator: W3CTraceContextPropagator;
  /** Called by the edge for each request to a GraphQL endpoint it serves: the request's trace, its server span started. */
  startRequest(req: IncomingMessage, res: ServerResponse, audience: Audience): RequestTrace;
  /** The operation's spans, for every audience's Apollo Server. */
  readonly plugins: TracingPlugins;
  /** Exports every span still buffered, then stops; at most `timeoutMs` (default `SHUTDOWN_FLUSH_MS`). */
  shutdown(timeoutMs?: number): Promise<void>;
}

function samplerFor(name: SamplerName, ratio: number): Sampler {
  switch (name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio);
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
  }
}

/** Builds the tracing from configuration; nothing is sent until the first span ends and its batch is due. */
export function createTracing(config: TracingConfig, logger: Logger): Tracing {
  const resource = defaultResource().merge(resourceFromAttributes({ ...config.resourceAttributes, 'service.name': config.serviceName }));
  // A receiver that keeps only part of a batch (OTLP partial success) says how many spans it rejected, and why.
  const sender = otlpSender(config, throttledWarn(logger, 'trace export partly rejected: spans dropped'));
  const spans = new SpanExport(
    batchFor(config.protocol, { resource: resource.attributes, scopeName: 'bff-gateway' }),
    sender.send,
    config.batch,
    // An export that fails (receiver down, refused) loses its batch; the log is told at most every 30 s.
    throttledWarn(logger, 'trace export failed: spans dropped'),
    // So is a span that finds the queue full (OTEL_BSP_MAX_QUEUE_SIZE) while exports lag behind.
    throttledWarn(logger, 'trace queue full: spans dropped'),
  );
  const tracing: Tracing = {
    tracer: new SpanRecorder(samplerFor(config.sampler, config.samplerRatio), spans),
    propagator: new W3CTraceContextPropagator(),
    startRequest: (req, res, audience) => startRequestTrace(tracing, req, res, audience),
    plugins: tracingPlugins(),
    async shutdown(timeoutMs = SHUTDOWN_FLUSH_MS) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), timeoutMs)));
      try {
        const flushed = spans.shutdown().then(() => sender.shutdown()).catch((error: unknown) => warningOnShutdown(logger, error));
        // A receiver that is down or does not answer: the spans still unsent are lost with the process, and said so.
        if ((await Promise.race([flushed, late])) === 'late') {
          logger.warn({ spans: spans.unsent, timeoutMs }, 'trace export on shutdown did not finish: spans dropped');
        }
      } finally {
        clearTimeout(timer);
      }
    },
  };
  return tracing;
}

function warningOnShutdown(logger: Logger, error: unknown): void {
  logger.warn({ reason: error instanceof Error ? error.message : String(error) }, 'trace export on shutdown failed');
}
