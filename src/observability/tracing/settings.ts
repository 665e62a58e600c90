/**
 * The tracing settings and the parsers for the OpenTelemetry environment
 * variables' value formats (OpenTelemetry specification, "Environment
 * Variable Specification" and "OTLP Exporter Configuration"). The variables
 * themselves are read by src/config.ts; these functions only see strings.
 */

export const OTLP_PROTOCOLS = ['http/protobuf', 'http/json'] as const;
export type OtlpProtocol = (typeof OTLP_PROTOCOLS)[number];

export const SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;
export type SamplerName = (typeof SAMPLERS)[number];

export interface TracingConfig {
  /** Where spans are POSTed: the full OTLP/HTTP traces URL. */
  tracesUrl: string;
  protocol: OtlpProtocol;
  /** Extra headers on every export request (an observability vendor's API key, say): never logged. */
  headers: Record<string, string>;
  /**
   * `OTEL_EXPORTER_OTLP_(TRACES_)TIMEOUT`: ms one export request may take, its retries included. Read here, with
   * `compression`, rather than left to the exporter, which ignores a bad value without a word (absent: the exporter's).
   */
  timeoutMs?: number;
  /** `OTEL_EXPORTER_OTLP_(TRACES_)COMPRESSION`: the export bodies gzip-encoded, or not. */
  compression?: 'gzip' | 'none';
  serviceName: string;
  /** `OTEL_RESOURCE_ATTRIBUTES`, without `service.name` (that is `serviceName`). */
  resourceAttributes: Record<string, string>;
  sampler: SamplerName;
  /** The ratio of the `*traceidratio` samplers, 0–1. */
  samplerRatio: number;
  /** Batch span processor: the bounded queue and how it is drained. */
  batch: { maxQueueSize: number; maxExportBatchSize: number; scheduledDelayMs: number; exportTimeoutMs: number };
  /**
   * An `OTEL_SDK_DISABLED` that is neither true nor false (`yes`, `1`): read as false, as the specification
   * says, and warned about at start-up, since it usually meant "off".
   */
  sdkDisabledIgnored?: string;
}

export const DEFAULT_SERVICE_NAME = 'bff-gateway';

/**
 * A W3C Baggage-style list, `key1=value1,key2=value2`, values percent-decoded:
 * the format of `OTEL_RESOURCE_ATTRIBUTES` and `OTEL_EXPORTER_OTLP_HEADERS`.
 * Returns null when an entry is malformed.
 */
export function parseKeyValueList(raw: string): Record<string, string> | null {
  const result: Record<string, string> = {};
  for (const entry of raw.split(',')) {
    if (entry.trim() === '') continue;
    const at = entry.indexOf('=');
    if (at <= 0) return null;
    const key = entry.slice(0, at).trim();
    try {
      result[key] = decodeURIComponent(entry.slice(at + 1).trim());
    } catch {
      return null;
    }
    if (key === '') return null;
  }
  return result;
}

/**
 * The traces URL from the two endpoint variables: the signal-specific one is
 * used as it is; the general one is a base to which `v1/traces` is appended.
 */
export function tracesUrlFrom(tracesEndpoint: string | undefined, endpoint: string | undefined): string | undefined {
  if (tracesEndpoint) return tracesEndpoint;
  if (!endpoint) return undefined;
  try {
    // Appended to the path: a query (a token some collectors take there) stays a query.
    const url = new URL(endpoint);
    url.pathname = `${url.pathname.replace(/\/+$/, '')}/v1/traces`;
    return url.href;
  } catch {
    return `${endpoint.replace(/\/+$/, '')}/v1/traces`;
  }
}

/** Longest the drain waits for the last spans to be exported: a receiver that is down must not hold the exit. */
export const SHUTDOWN_FLUSH_MS = 3_000;
