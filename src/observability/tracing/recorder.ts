/**
 * The gateway's span recorder: an OpenTelemetry API `Tracer` whose spans are
 * plain records, written to their export batch's wire format when they end
 * (./otlp-encoding.ts). Sampling is the official samplers'
 * (`@opentelemetry/sdk-trace`), context and trace state are the API's and
 * `@opentelemetry/core`'s, and the export is `@opentelemetry/otlp-exporter-base`'s
 * (./span-export.ts); only the span object is the gateway's own.
 *
 * Why not the SDK's `Span` and `BatchSpanProcessor`: measured on ProductPage
 * (11 spans a request), they and the OTLP transformer cost about a quarter
 * of the request's CPU on their own — attribute validation and limit
 * counting on every `setAttribute`, hex ids from `Math.random`, span objects
 * queued for seconds (so promoted by the collector) and converted to an
 * object tree before protobuf — where the target for all of tracing was a
 * tenth (BENCHMARKS.md, "Tracing"). The spans this recorder writes are the
 * same OTLP, checked field by field against the official serializers.
 *
 * What it leaves out, because the gateway never asks for it: span links
 * (counted as dropped), attribute and event count limits (every span has a
 * fixed, small set), and a context manager (parents are explicit).
 */
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  trace,
  type Attributes,
  type AttributeValue,
  type Context,
  type Exception,
  type Link,
  type Span,
  type SpanContext,
  type SpanOptions,
  type SpanStatus,
  type TimeInput,
  type Tracer,
  type TraceState,
} from '@opentelemetry/api';
import { isAttributeValue } from '@opentelemetry/core';
import { SamplingDecision, type Sampler } from '@opentelemetry/sdk-trace';
import { attributeList, type AttributeList, type EncodableEvent, type EncodableSpan, type IdWords, type TraceWords } from './otlp-encoding.js';
import { sinceOriginNs } from './span-time.js';

/** Where ended, sampled spans go (./span-export.ts). */
export interface SpanSink {
  onEnd(span: EncodableSpan): void;
}

// --- ids: 32-bit words, as hex only when asked ---

/**
 * A random 32-bit word, drawn as the official SDK's `RandomIdGenerator` draws
 * ids (`Math.random`). Ids are kept as words: the protobuf encoder writes
 * them as they are, and hex is made only for what reads it (a `traceparent`,
 * a log line's ids, the JSON protocol), two or three spans of a request.
 */
function randomWord(): number {
  return (Math.random() * 4_294_967_296) >>> 0;
}

const HEX_BYTE = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function hexWord(word: number): string {
  return HEX_BYTE[word >>> 24]! + HEX_BYTE[(word >>> 16) & 0xff]! + HEX_BYTE[(word >>> 8) & 0xff]! + HEX_BYTE[word & 0xff]!;
}

/** A span id's hex from its two words. */
function hexSpanId(high: number, low: number): string {
  return hexWord(high) + hexWord(low);
}

/** One trace as the spans recorded here share it: its id's four words, its hex once asked, and its W3C trace state. */
class TraceIdentity implements TraceWords {
  private hexId: string | undefined;

  constructor(
    readonly w0: number,
    readonly w1: number,
    readonly w2: number,
    readonly w3: number,
    readonly state: TraceState | undefined,
    hex?: string,
  ) {
    this.hexId = hex;
  }

  /** A new trace id; an all-zero id is invalid (W3C Trace Context), so it is never drawn. */
  static random(): TraceIdentity {
    for (;;) {
      const identity = new TraceIdentity(randomWord(), randomWord(), randomWord(), randomWord(), undefined);
      if ((identity.w0 | identity.w1 | identity.w2 | identity.w3) !== 0) return identity;
    }
  }

  /** A valid parent's trace id (32 hex digits, checked by the API). */
  static fromHex(hex: string, state: TraceState | undefined): TraceIdentity {
    const word = (at: number) => parseInt(hex.slice(at, at + 8), 16) >>> 0;
    return new TraceIdentity(word(0), word(8), word(16), word(24), state, hex.toLowerCase());
  }

  /** The same trace with `state` (what the sampler decided, for the spans from here on). */
  withState(state: TraceState | undefined): TraceIdentity {
    return state === this.state ? this : new TraceIdentity(this.w0, this.w1, this.w2, this.w3, state, this.hexId);
  }

  get hex(): string {
    return (this.hexId ??= hexWord(this.w0) + hexWord(this.w1) + hexWord(this.w2) + hexWord(this.w3));
  }
}

// --- spans ---

/** OTLP `SpanFlags`: the parent's remoteness is known (bit 8) and, when set, true (bit 9). */
const FLAG_HAS_IS_REMOTE = 0x100;
const FLAG_IS_REMOTE = 0x200;
const LOCAL_CHILD_FLAGS = TraceFlags.SAMPLED | FLAG_HAS_IS_REMOTE;
const NO_ATTRIBUTES: Attributes = Object.freeze({});

/** Sets `key` in flat pairs: replaced where it is, else added at the end. */
function putAttribute(list: AttributeList, key: string, value: AttributeValue | undefined): void {
  // As the SDK's span: no value, an empty key or a value that is not an attribute value (a mixed array) is ignored.
  if (value === undefined || value === null || key.length === 0 || !isAttributeValue(value)) return;
  for (let i = 0; i < list.length; i += 2) {
    if (list[i] === key) {
      list[i + 1] = value;
      return;
    }
  }
  list.push(key, value);
}

class RecordedSpan implements Span, EncodableSpan, IdWords {
  readonly attributes: AttributeList;
  events: EncodableEvent[] | undefined;
  statusCode: number = SpanStatusCode.UNSET;
  statusMessage: string | undefined;
  readonly startNs: number;
  endNs = 0;
  /** This span's id as two words (never both zero: the all-zero span id is invalid). */
  readonly s0: number = randomWord();
  readonly s1: number = randomWord() || 1;
  private ended = false;
  /** The API's view of the ids, made on first ask. */
  private context: SpanContext | undefined;

  constructor(
    private readonly sink: SpanSink,
    readonly trace: TraceIdentity,
    /** The parent span's id as words; both 0 for a root span. */
    readonly p0: number,
    readonly p1: number,
    readonly flags: number,
    public name: string,
    readonly kind: number,
    startTime: TimeInput | undefined,
    attributes: AttributeList,
  ) {
    this.attributes = attributes;
    this.startNs = sinceOriginNs(startTime);
  }

  get idWords(): IdWords {
    return this;
  }

  get traceId(): string {
    return this.trace.hex;
  }

  get spanId(): string {
    return this.spanContext().spanId;
  }

  get parentSpanId(): string | undefined {
    return (this.p0 | this.p1) === 0 ? undefined : hexSpanId(this.p0, this.p1);
  }

  get traceState(): string | undefined {
    return this.trace.state?.serialize() || undefined;
  }

  spanContext(): SpanContext {
    if (this.context === undefined) {
      const traceId = this.trace.hex;
      const spanId = hexSpanId(this.s0, this.s1);
      const { state } = this.trace;
      this.context = state ? { traceId, spanId, traceFlags: TraceFlags.SAMPLED, traceState: state } : { traceId, spanId, traceFlags: TraceFlags.SAMPLED };
    }
    return this.context;
  }

  setAttribute(key: string, value: AttributeValue | undefined): this {
    if (!this.ended) putAttribute(this.attributes, key, value);
    return this;
  }

  setAttributes(attributes: Attributes): this {
    for (const key in attributes) this.setAttribute(key, attributes[key]);
    return this;
  }

  addEvent(name: string, attributesOrTime?: Attributes | TimeInput, time?: TimeInput): this {
    if (this.ended) return this;
    let attributes: Attributes | undefined;
    if (attributesOrTime === undefined || typeof attributesOrTime === 'number' || Array.isArray(attributesOrTime) || attributesOrTime instanceof Date) {
      time = attributesOrTime as TimeInput | undefined;
    } else {
      attributes = attributesOrTime as Attributes;
    }
    (this.events ??= []).push({ name, timeNs: sinceOriginNs(time), attributes });
    return this;
  }

  addLink(_link: Link): this {
    return this;
  }

  addLinks(_links: Link[]): this {
    return this;
  }

  setStatus(status: SpanStatus): this {
    // As the specification says: UNSET is ignored, and OK is final.
    if (this.ended || status.code === SpanStatusCode.UNSET || this.statusCode === SpanStatusCode.OK) return this;
    this.statusCode = status.code;
    this.statusMessage = status.code === SpanStatusCode.ERROR ? status.message : undefined;
    return this;
  }

  updateName(name: string): this {
    if (!this.ended) this.name = name;
    return this;
  }

  end(endTime?: TimeInput): void {
    if (this.ended) return;
    this.ended = true;
    this.endNs = Math.max(sinceOriginNs(endTime), this.startNs);
    this.sink.onEnd(this);
  }

  isRecording(): boolean {
    return !this.ended;
  }

  /** The exception's type only: messages and stacks may hold upstream detail, and never go into a trace. */
  recordException(exception: Exception, time?: TimeInput): void {
    const type = typeof exception === 'string' ? 'Error' : (exception.name ?? exception.code?.toString() ?? 'Error');
    this.addEvent('exception', { 'exception.type': type }, time);
  }
}

/** OTLP's `SpanKind` is the API's plus one (0 is "unspecified" there). */
function otlpKind(options: SpanOptions): number {
  return (options.kind ?? SpanKind.INTERNAL) + 1;
}

/**
 * An API `Tracer` recording into `sink`, deciding with `sampler` as the SDK
 * does (the parent's decision for `parentbased_*`). A span the sampler drops
 * is the API's non-recording span: it carries the trace context (unsampled)
 * and records nothing.
 */
export class SpanRecorder implements Tracer {
  constructor(
    private readonly sampler: Sampler,
    private readonly sink: SpanSink,
  ) {}

  startSpan(name: string, options: SpanOptions = {}, context: Context = ROOT_CONTEXT): Span {
    const parentSpan = trace.getSpan(context);
    if (parentSpan instanceof RecordedSpan) {
      // A child of a span recorded here is sampled, without asking the sampler again: with each of the
      // samplers the gateway offers, a sampled local parent means a sampled child (`parentbased_*` by
      // their local-parent rule, `traceidratio` by the trace id the child shares, `always_on` always;
      // `always_off` records no parent). This spares the sampler and the id checks on ten spans in eleven.
      return new RecordedSpan(this.sink, parentSpan.trace, parentSpan.s0, parentSpan.s1, LOCAL_CHILD_FLAGS, name, otlpKind(options), options.startTime, attributeList(options.attributes));
    }
    const parent = parentSpan?.spanContext();
    const validParent = parent !== undefined && trace.isSpanContextValid(parent) ? parent : undefined;
    const identity = validParent ? TraceIdentity.fromHex(validParent.traceId, validParent.traceState) : TraceIdentity.random();
    const sampling = this.sampler.shouldSample(context, identity.hex, name, options.kind ?? SpanKind.INTERNAL, options.attributes ?? NO_ATTRIBUTES, options.links ?? []);
    const sampled = sampling.decision === SamplingDecision.RECORD_AND_SAMPLED;
    const traceState = sampling.traceState ?? validParent?.traceState;
    // RECORD (recorded, not exported) has no use without a processor that reads live spans: treated as not recorded.
    if (!sampled) {
      const spanId = hexSpanId(randomWord(), randomWord() || 1);
      return trace.wrapSpanContext(traceState ? { traceId: identity.hex, spanId, traceFlags: TraceFlags.NONE, traceState } : { traceId: identity.hex, spanId, traceFlags: TraceFlags.NONE });
    }
    const attributes = attributeList(options.attributes);
    // Attributes the sampler adds come after the span's own (and win, as the SDK merges them).
    for (const key in sampling.attributes) putAttribute(attributes, key, sampling.attributes[key]);
    const flags = TraceFlags.SAMPLED | FLAG_HAS_IS_REMOTE | (validParent?.isRemote ? FLAG_IS_REMOTE : 0);
    const [p0, p1] = validParent ? [parseInt(validParent.spanId.slice(0, 8), 16) >>> 0, parseInt(validParent.spanId.slice(8), 16) >>> 0] : [0, 0];
    return new RecordedSpan(this.sink, identity.withState(traceState), p0, p1, flags, name, otlpKind(options), options.startTime, attributes);
  }

  startActiveSpan<F extends (span: Span) => unknown>(name: string, ...args: unknown[]): ReturnType<F> {
    // No context manager: the span is handed to `fn`, which must pass it on itself (the gateway never calls this).
    const fn = args[args.length - 1] as F;
    const options = args.length > 1 ? (args[0] as SpanOptions) : undefined;
    const context = args.length > 2 ? (args[1] as Context) : undefined;
    return fn(this.startSpan(name, options, context)) as ReturnType<F>;
  }
}
