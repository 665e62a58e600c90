/**
 * The recorder's batch span processor (src/observability/tracing/span-export.ts):
 * batches cut by size and by time, one export at a time, a bounded queue that
 * drops rather than grows while the receiver is slow, a time-out for an export
 * that never answers, and a flush that sends everything. The sender here is a
 * function standing for the OTLP transport (the transport itself is exercised
 * against a real receiver in trace.test.ts and shutdown.test.ts).
 */
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { ProtobufBatch, type EncodableSpan } from '../../src/observability/tracing/otlp-encoding.js';
import { SpanExport, type BatchSettings } from '../../src/observability/tracing/span-export.js';
import { decodeOtlp } from '../helpers/otlp-receiver.js';

function span(n: number): EncodableSpan {
  return {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: n.toString(16).padStart(16, '0'),
    parentSpanId: undefined,
    traceState: undefined,
    flags: 0x101,
    name: `span ${n}`,
    kind: 1,
    startNs: 1_000,
    endNs: 2_000,
    attributes: ['n', n],
    events: undefined,
    statusCode: 0,
    statusMessage: undefined,
  };
}

interface Sent {
  names: string[];
  answer(result?: ExportResult): void;
}

/** `answerAtOnce`: batches the receiver answers as they arrive; the others wait for their `answer`. */
function harness(settings: Partial<BatchSettings>, answerAtOnce?: (names: string[]) => boolean) {
  const sent: Sent[] = [];
  const failures: unknown[] = [];
  const drops: unknown[] = [];
  const processor = new SpanExport(
    new ProtobufBatch({ resource: { 'service.name': 'test' }, scopeName: 'test' }),
    (batch, done) => {
      const names = decodeOtlp('application/x-protobuf', batch.body).map((s) => s.name);
      expect(batch.spans).toBe(names.length);
      sent.push({ names, answer: (result = { code: ExportResultCode.SUCCESS }) => done(result) });
      if (answerAtOnce?.(names)) done({ code: ExportResultCode.SUCCESS });
    },
    { maxQueueSize: 100, maxExportBatchSize: 10, scheduledDelayMs: 60_000, exportTimeoutMs: 60_000, ...settings },
    (error) => failures.push(error),
    (error) => drops.push(error),
  );
  return { processor, sent, failures, drops };
}

describe('the batch span processor', () => {
  it('sends a full batch at once, the rest when its delay is up, one export at a time', async () => {
    const { processor, sent } = harness({ maxExportBatchSize: 3, scheduledDelayMs: 50 });
    for (let n = 0; n < 7; n += 1) processor.onEnd(span(n));
    // Two full batches are cut; the second waits for the first export to be answered.
    expect(sent.map((s) => s.names)).toEqual([['span 0', 'span 1', 'span 2']]);
    sent[0]!.answer();
    await sleep(0);
    expect(sent.map((s) => s.names)).toEqual([
      ['span 0', 'span 1', 'span 2'],
      ['span 3', 'span 4', 'span 5'],
    ]);
    sent[1]!.answer();
    // The seventh is sent when the batch's delay has passed.
    await sleep(120);
    expect(sent[2]?.names).toEqual(['span 6']);
    sent[2]!.answer();
  });

  it('drops spans past the queue bound while the receiver is slow, and says so once the export fails', async () => {
    const { processor, sent, failures, drops } = harness({ maxQueueSize: 5, maxExportBatchSize: 2 });
    for (let n = 0; n < 12; n += 1) processor.onEnd(span(n));
    // The first batch is out (no longer queued); four more spans fill the queue of five with the one being batched.
    expect(processor.dropped).toBe(12 - 2 - 5);
    expect(drops).toHaveLength(12 - 2 - 5);
    sent[0]!.answer({ code: ExportResultCode.FAILED, error: new Error('receiver down') });
    await sleep(0);
    expect(failures).toHaveLength(1);
    const flushed = processor.forceFlush();
    for (let i = 1; i < 10 && sent.length > i - 1; i += 1) {
      await sleep(0);
      sent[i]?.answer();
    }
    await flushed;
    expect(sent.flatMap((s) => s.names)).toEqual(['span 0', 'span 1', 'span 2', 'span 3', 'span 4', 'span 5', 'span 6']);
  });

  it('gives up on an export that never answers after the export time-out, and goes on with the next', async () => {
    // The receiver never answers the first batch, and answers the second at once.
    const { processor, sent, failures } = harness({ maxExportBatchSize: 1, exportTimeoutMs: 30 }, (names) => names[0] !== 'span 0');
    processor.onEnd(span(0));
    processor.onEnd(span(1));
    await processor.forceFlush();
    expect(failures.map((e) => (e as Error).message)).toEqual(['export timed out']);
    expect(sent.map((s) => s.names)).toEqual([['span 0'], ['span 1']]);
  });

  it('flushes everything on shutdown, then takes no more spans', async () => {
    const { processor, sent } = harness({});
    processor.onEnd(span(0));
    processor.onEnd(span(1));
    const stopping = processor.shutdown();
    await sleep(0);
    sent[0]!.answer();
    await stopping;
    expect(sent.map((s) => s.names)).toEqual([['span 0', 'span 1']]);
    processor.onEnd(span(2));
    await processor.forceFlush();
    expect(sent).toHaveLength(1);
    expect(processor.dropped).toBe(1);
  });
});
