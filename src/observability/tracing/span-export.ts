/**
 * The batch span processor of the gateway's recorder: ended spans are
 * written into the current batch's wire format at once (./otlp-encoding.ts);
 * a batch is sent when it holds `maxExportBatchSize` spans or
 * `scheduledDelayMs` after its first span, one export at a time, through
 * `@opentelemetry/otlp-exporter-base` (the OTLP/HTTP transport of the official
 * exporters: `OTEL_EXPORTER_OTLP_*` headers, time-out, compression, retries).
 * The queue is bounded: while `maxQueueSize` spans wait, new ones are
 * dropped. The same settings and behaviour as the SDK's `BatchSpanProcessor`.
 */
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { convertLegacyHttpOptions, createOtlpHttpExportDelegate } from '@opentelemetry/otlp-exporter-base/node-http';
import { JsonTraceSerializer, ProtobufTraceSerializer, type IExporterMetricsHelper } from '@opentelemetry/otlp-transformer';
import { JsonBatch, ProtobufBatch, type EncodableSpan, type ExportHeader, type SpanBatch } from './otlp-encoding.js';
import type { SpanSink } from './recorder.js';
import type { OtlpProtocol, TracingConfig } from './settings.js';

/** One export request: its body, already in the wire format, and how many spans it holds. */
interface EncodedBatch {
  body: Uint8Array;
  spans: number;
}

/** Sends one encoded batch; `done` is called once, with the result. */
export type BatchSender = (batch: EncodedBatch, done: (result: ExportResult) => void) => void;

export interface OtlpSender {
  send: BatchSender;
  shutdown(): Promise<void>;
}

const metricsHelper: IExporterMetricsHelper<EncodedBatch> = { name: 'span', countItems: (batch) => batch.spans };

/** What each protocol sends: its content type, its batch, and the official serializer that reads the receiver's answers. */
const PROTOCOLS = {
  'http/protobuf': { contentType: 'application/x-protobuf', answers: ProtobufTraceSerializer, batch: (header: ExportHeader) => new ProtobufBatch(header) },
  'http/json': { contentType: 'application/json', answers: JsonTraceSerializer, batch: (header: ExportHeader) => new JsonBatch(header) },
} satisfies Record<OtlpProtocol, { contentType: string; answers: { deserializeResponse(data: Uint8Array): unknown }; batch(header: ExportHeader): SpanBatch }>;

/** What a receiver answers when it kept only part of a batch (OTLP "partial success"); int64 is a string in JSON. */
interface PartialSuccessAnswer {
  partialSuccess?: { rejectedSpans?: number | string; errorMessage?: string };
}

/**
 * The official OTLP/HTTP transport, sending bodies this module encoded (the official serializer reads the answers).
 * `onRejected`: the receiver answered a partial success, rejecting spans (the transport itself only tells its
 * diagnostic logger, which the gateway does not install).
 */
export function otlpSender(config: Pick<TracingConfig, 'tracesUrl' | 'headers' | 'protocol' | 'timeoutMs' | 'compression'>, onRejected: (error: Error) => void = () => {}): OtlpSender {
  const { contentType, answers } = PROTOCOLS[config.protocol];
  const deserializeResponse = (data: Uint8Array) => {
    const answer = answers.deserializeResponse(data) as PartialSuccessAnswer | undefined;
    const partial = answer?.partialSuccess;
    const rejected = Number(partial?.rejectedSpans ?? 0);
    if (rejected > 0) onRejected(new Error(`${rejected} spans rejected${partial?.errorMessage ? `: ${partial.errorMessage}` : ''}`));
    return answer;
  };
  const delegate = createOtlpHttpExportDelegate(
    convertLegacyHttpOptions(
      {
        url: config.tracesUrl,
        headers: config.headers,
        ...(config.timeoutMs === undefined ? {} : { timeoutMillis: config.timeoutMs }),
        ...(config.compression === undefined ? {} : { compression: config.compression as CompressionAlgorithm }),
      },
      'TRACES',
      'v1/traces',
      { 'Content-Type': contentType },
    ),
    { serializeRequest: (batch: EncodedBatch) => batch.body, deserializeResponse },
    'otlp_http_span_exporter',
    metricsHelper,
    undefined,
  );
  return { send: (batch, done) => delegate.export(batch, done), shutdown: () => delegate.shutdown() };
}

export function batchFor(protocol: OtlpProtocol, header: ExportHeader): SpanBatch {
  return PROTOCOLS[protocol].batch(header);
}

export type BatchSettings = TracingConfig['batch'];

export class SpanExport implements SpanSink {
  /** Batches cut and waiting for their turn to be sent. */
  private readonly waiting: EncodedBatch[] = [];
  private waitingSpans = 0;
  /** Spans of the export under way. */
  private sendingSpans = 0;
  private sending: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Spans dropped because the queue was full or the processor had stopped. */
  dropped = 0;

  /** `onFailure`: an export failed (its spans are lost); `onDrop`: a span found the queue full. */
  constructor(
    private readonly batch: SpanBatch,
    private readonly sender: BatchSender,
    private readonly settings: BatchSettings,
    private readonly onFailure: (error: unknown) => void,
    private readonly onDrop: (error: unknown) => void = () => {},
  ) {}

  onEnd(span: EncodableSpan): void {
    if (this.stopped || this.waitingSpans + this.batch.count >= this.settings.maxQueueSize) {
      this.dropped += 1;
      if (!this.stopped) this.onDrop(new Error(`${this.settings.maxQueueSize} spans waiting for export`));
      return;
    }
    this.batch.add(span);
    if (this.batch.count >= this.settings.maxExportBatchSize) this.cut();
    else if (this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.cut();
      }, this.settings.scheduledDelayMs);
      this.timer.unref();
    }
  }

  /** Ends the current batch and queues it for sending. */
  private cut(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.batch.count === 0) return;
    const spans = this.batch.count;
    this.waiting.push({ body: this.batch.take(), spans });
    this.waitingSpans += spans;
    this.sending ??= this.sendAll();
  }

  private async sendAll(): Promise<void> {
    try {
      for (let next = this.waiting.shift(); next; next = this.waiting.shift()) {
        this.waitingSpans -= next.spans;
        this.sendingSpans = next.spans;
        const result = await this.sendOne(next);
        this.sendingSpans = 0;
        if (result.code !== ExportResultCode.SUCCESS) this.onFailure(result.error ?? new Error('export failed'));
      }
    } finally {
      this.sending = undefined;
    }
  }

  private sendOne(batch: EncodedBatch): Promise<ExportResult> {
    return new Promise((resolve) => {
      const late = setTimeout(() => resolve({ code: ExportResultCode.FAILED, error: new Error('export timed out') }), this.settings.exportTimeoutMs);
      late.unref();
      this.sender(batch, (result) => {
        clearTimeout(late);
        resolve(result);
      });
    });
  }

  /** Spans ended and not yet answered for: batched, waiting, or in the export under way. */
  get unsent(): number {
    return this.batch.count + this.waitingSpans + this.sendingSpans;
  }

  /** Sends every span ended so far; resolves when they are sent (or failed). */
  async forceFlush(): Promise<void> {
    this.cut();
    while (this.sending) await this.sending;
  }

  /** Flushes, then takes no more spans. */
  async shutdown(): Promise<void> {
    await this.forceFlush();
    this.stopped = true;
  }
}
