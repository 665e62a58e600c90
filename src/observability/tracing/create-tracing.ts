/**
 * The gateway's OpenTelemetry SDK: one tracer provider per gateway (never the
 * global one, so tests can run several gateways in one process), an OTLP/HTTP
 * exporter (protobuf or JSON) behind a batch span processor with a bounded
 * queue, the sampler and resource from configuration. No context manager is
 * installed: spans get their parent explicitly (src/observability/tracing/
 * request-trace.ts), so the async machinery of every request pays nothing.
 * Loaded on demand: a gateway without tracing never imports the SDK.
 */
import { type Tracer } from '@opentelemetry/api';
import { ExportResultCode, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
  type Sampler,
  type SpanExporter,
} from '@opentelemetry/sdk-trace';
import type { RequestListener } from 'node:http';
import type { Logger } from 'pino';
import { tracingPlugins, type TracingPlugins } from '../../plugins/tracing.js';
import { throttledWarn } from '../throttled-log.js';
import { traceRequests } from './server-span.js';
import type { SamplerName, TracingConfig } from './settings.js';

/** Longest the drain waits for the last spans to be exported: a receiver that is down must not hold the exit. */
const SHUTDOWN_FLUSH_MS = 5_000;

export interface Tracing {
  readonly tracer: Tracer;
  /** W3C Trace Context, in (`traceparent`/`tracestate` from the client) and out (to every upstream call). */
  readonly propagator: W3CTraceContextPropagator;
  /** The edge's request listener with a server span around each GraphQL request. */
  traceRequests(listener: RequestListener): RequestListener;
  /** The operation's spans, for every audience's Apollo Server. */
  readonly plugins: TracingPlugins;
  /** Exports every span still buffered, then stops; at most a few seconds. */
  shutdown(): Promise<void>;
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

/** Tells the log when an export fails (receiver down, refused), at most every 30 s; spans of that batch are lost. */
function warningOnFailure(exporter: SpanExporter, logger: Logger): SpanExporter {
  const warn = throttledWarn(logger, 'trace export failed: spans dropped');
  return {
    export(spans, done) {
      exporter.export(spans, (result) => {
        if (result.code !== ExportResultCode.SUCCESS) warn(result.error ?? new Error('export failed'));
        done(result);
      });
    },
    shutdown: () => exporter.shutdown(),
    forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
  };
}

/** Builds the tracing SDK from configuration; nothing is sent until the first span ends and its batch is due. */
export function createTracing(config: TracingConfig, logger: Logger): Tracing {
  const options = { url: config.tracesUrl, headers: config.headers };
  const exporter = config.protocol === 'http/json' ? new JsonExporter(options) : new ProtobufExporter(options);
  const provider = new TracerProvider({
    resource: defaultResource().merge(resourceFromAttributes({ ...config.resourceAttributes, 'service.name': config.serviceName })),
    sampler: samplerFor(config.sampler, config.samplerRatio),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter: warningOnFailure(exporter, logger),
        maxQueueSize: config.batch.maxQueueSize,
        maxExportBatchSize: config.batch.maxExportBatchSize,
        scheduledDelayMillis: config.batch.scheduledDelayMs,
        exportTimeoutMillis: config.batch.exportTimeoutMs,
      }),
    ],
  });
  const tracing: Tracing = {
    tracer: provider.getTracer('bff-gateway'),
    propagator: new W3CTraceContextPropagator(),
    traceRequests: (listener) => traceRequests(tracing, listener),
    plugins: tracingPlugins(),
    async shutdown() {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, SHUTDOWN_FLUSH_MS)));
      try {
        await Promise.race([provider.shutdown().catch((error: unknown) => warningOnShutdown(logger, error)), late]);
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
