/**
 * OTLP trace encoding, span by span: each span is written to its batch's
 * wire format the moment it ends (opentelemetry-proto's trace.proto for
 * `http/protobuf`, its JSON mapping for `http/json`), so a span is garbage
 * before the next scavenge and an export only wraps bytes already written.
 * The SDK's route (span objects queued for seconds, then converted to an
 * object tree, then to protobuf) cost more CPU per request than all of the
 * gateway's other tracing work together (BENCHMARKS.md, "Tracing").
 *
 * Wire format: https://protobuf.dev/programming-guides/encoding/ and
 * https://github.com/open-telemetry/opentelemetry-proto (trace/v1/trace.proto,
 * collector/trace/v1/trace_service.proto). The bytes are those the official
 * serializer of `@opentelemetry/otlp-transformer` writes for the same spans,
 * zero counts included (test/tracing/encoding.test.ts compares them).
 */
import type { AttributeValue, Attributes } from '@opentelemetry/api';
import { isAttributeValue } from '@opentelemetry/core';
import { epochNanos, ORIGIN_NS_HIGH, ORIGIN_NS_LOW } from './span-time.js';

/** One event of a span: a name and attributes at a time. */
export interface EncodableEvent {
  readonly name: string;
  readonly timeNs: number;
  readonly attributes: Attributes | undefined;
}

/**
 * A span's attributes as flat pairs, `[key, value, key, value, …]`: a span
 * adds its attributes one by one with keys from many call sites, and an
 * object would turn every such store into a slow, megamorphic one.
 */
export type AttributeList = (string | AttributeValue)[];

/** `attributes` as flat pairs; what is not an attribute value (undefined, null, a mixed array) left out, as the SDK does. */
export function attributeList(attributes: Attributes | undefined, into: AttributeList = []): AttributeList {
  for (const key in attributes) {
    const value = attributes[key];
    if (value !== undefined && value !== null && isAttributeValue(value)) into.push(key, value);
  }
  return into;
}

/** A trace id as four 32-bit words, its bytes in order (big-endian). */
export interface TraceWords {
  readonly w0: number;
  readonly w1: number;
  readonly w2: number;
  readonly w3: number;
}

/** A span's ids as 32-bit words (big-endian); the parent's both 0 for a root span. */
export interface IdWords {
  readonly trace: TraceWords;
  readonly s0: number;
  readonly s1: number;
  readonly p0: number;
  readonly p1: number;
}

/** What a finished span is, for the encoders. Times are nanoseconds since the process's time origin. */
export interface EncodableSpan {
  /**
   * The same ids as the hex fields, as words, when the span keeps them so
   * (the recorder's spans): the protobuf encoder then writes these and never
   * reads the hex.
   */
  readonly idWords?: IdWords;
  readonly traceId: string;
  readonly spanId: string;
  /** Undefined for a root span. */
  readonly parentSpanId: string | undefined;
  /** The W3C `tracestate`, serialised; undefined when there is none. */
  readonly traceState: string | undefined;
  /** OTLP span flags: the W3C trace flags and whether the parent was remote (trace.proto `SpanFlags`). */
  readonly flags: number;
  readonly name: string;
  /** OTLP `SpanKind`: the API's kind plus one (1 internal, 2 server, 3 client, …). */
  readonly kind: number;
  readonly startNs: number;
  readonly endNs: number;
  readonly attributes: AttributeList;
  readonly events: readonly EncodableEvent[] | undefined;
  /** OTLP `StatusCode`: 0 unset, 1 ok, 2 error. */
  readonly statusCode: number;
  readonly statusMessage: string | undefined;
}

/** What every export of one gateway says of where its spans come from. */
export interface ExportHeader {
  readonly resource: Attributes;
  readonly scopeName: string;
}

/** A batch being filled, span by span, in one protocol's format. */
export interface SpanBatch {
  readonly count: number;
  add(span: EncodableSpan): void;
  /** The whole export request body for the spans added, then empty again. */
  take(): Uint8Array;
}

const TWO_32 = 4_294_967_296;

// --- protobuf ---

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH = 2;
const WIRE_FIXED32 = 5;

/** Distinct strings kept encoded, per field number (./ProtoWriter.repeated). */
const MAX_CACHED_STRINGS = 512;
/** Encoded string fields by field number: KeyValue.key is 1, Span.name 5, Event.name 2. */
const fieldCache: Map<string, Uint8Array>[] = Array.from({ length: 6 }, () => new Map());

/** `Span.attributes`: the field whose string pairs are kept encoded, tag included (./ProtoWriter.attributePairs). */
const SPAN_ATTRIBUTES = 9;
/** Distinct string values kept encoded per attribute key; a key with more is not kept at all. */
const MAX_VALUES_PER_KEY = 64;
/** A longer pair is written each time: a long value is seldom a repeated one. */
const MAX_KEPT_PAIR_BYTES = 128;
/** Encoded `KeyValue`s of span attributes with string values, by key then value; null: the key's values do not repeat. */
const stringPairs = new Map<string, Map<string, Uint8Array> | null>();

/** The int64 range, as doubles (both are powers of two, so exact). */
const INT64_MIN = -(2 ** 63);
const INT64_END = 2 ** 63;

const HEX_VALUE = new Uint8Array(128);
for (let i = 0; i < 16; i += 1) {
  HEX_VALUE['0123456789abcdef'.charCodeAt(i)] = i;
  HEX_VALUE['0123456789ABCDEF'.charCodeAt(i)] = i;
}

function varintSize(value: number): number {
  let size = 1;
  while (value >= 128) {
    value = Math.floor(value / 128);
    size += 1;
  }
  return size;
}

/**
 * A growable protobuf writer. A nested message or a string reserves one byte
 * for its length and moves its content along when the length needs more
 * (rare: attribute values and names are short), so nothing is measured twice.
 */
class ProtoWriter {
  buf: Buffer;
  pos = 0;

  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }

  private ensure(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + bytes));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  private varint(value: number): void {
    this.pos = writeVarint(this.buf, this.pos, value);
  }

  private tag(field: number, wire: number): void {
    this.ensure(11);
    this.varint(field * 8 + wire);
  }

  /** Starts a length-delimited field; returns where its length goes, for `close`. */
  open(field: number): number {
    this.tag(field, WIRE_LENGTH);
    return this.pos++;
  }

  close(at: number): void {
    const length = this.pos - at - 1;
    if (length < 128) {
      this.buf[at] = length;
      return;
    }
    const extra = varintSize(length) - 1;
    this.ensure(extra);
    this.buf.copyWithin(at + 1 + extra, at + 1, this.pos);
    this.pos += extra;
    const end = this.pos;
    this.pos = at;
    this.varint(length);
    this.pos = end;
  }

  uint(field: number, value: number): void {
    this.tag(field, WIRE_VARINT);
    this.varint(value);
  }

  /** An `int64`: negative values take ten bytes (two's complement), and so do those past 2^53. */
  int64(field: number, value: number): void {
    if (value >= 0 && value <= Number.MAX_SAFE_INTEGER) return this.uint(field, value);
    this.tag(field, WIRE_VARINT);
    let rest = BigInt.asUintN(64, BigInt(value));
    while (rest >= 128n) {
      this.buf[this.pos++] = Number(rest & 127n) | 128;
      rest >>= 7n;
    }
    this.buf[this.pos++] = Number(rest);
  }

  fixed32(field: number, value: number): void {
    this.tag(field, WIRE_FIXED32);
    this.buf.writeUInt32LE(value >>> 0, this.pos);
    this.pos += 4;
  }

  double(field: number, value: number): void {
    this.tag(field, WIRE_FIXED64);
    this.buf.writeDoubleLE(value, this.pos);
    this.pos += 8;
  }

  /** A `fixed64` epoch-nanosecond time, from nanoseconds since the time origin, without a BigInt on the usual path. */
  time(field: number, sinceOrigin: number): void {
    this.tag(field, WIRE_FIXED64);
    const ns = Math.round(sinceOrigin);
    if (ns < 0 || ns > Number.MAX_SAFE_INTEGER) {
      this.buf.writeBigUInt64LE(epochNanos(sinceOrigin), this.pos);
    } else {
      const high = Math.floor(ns / TWO_32);
      let low = ORIGIN_NS_LOW + (ns - high * TWO_32);
      let carry = 0;
      if (low >= TWO_32) {
        low -= TWO_32;
        carry = 1;
      }
      this.buf.writeUInt32LE(low, this.pos);
      this.buf.writeUInt32LE(ORIGIN_NS_HIGH + high + carry, this.pos + 4);
    }
    this.pos += 8;
  }

  string(field: number, value: string): void {
    const at = this.open(field);
    this.ensure(value.length * 3);
    const { buf } = this;
    let pos = this.pos;
    // Short ASCII (every name, key and most values) is copied here; anything else by the native encoder.
    if (value.length <= 64) {
      for (let i = 0; i < value.length; i += 1) {
        const code = value.charCodeAt(i);
        if (code >= 128) {
          pos = this.pos + buf.write(value, this.pos, 'utf8');
          break;
        }
        buf[pos++] = code;
      }
    } else {
      pos += buf.write(value, pos, 'utf8');
    }
    this.pos = pos;
    this.close(at);
  }

  /** Bytes given as hex (trace and span ids). */
  hexBytes(field: number, hex: string): void {
    this.tag(field, WIRE_LENGTH);
    const length = hex.length >>> 1;
    this.ensure(length + 1);
    const { buf } = this;
    buf[this.pos++] = length;
    for (let i = 0; i < hex.length; i += 2) {
      buf[this.pos++] = (HEX_VALUE[hex.charCodeAt(i)]! << 4) | HEX_VALUE[hex.charCodeAt(i + 1)]!;
    }
  }

  /** `bytes` at `field` from 32-bit words, each big-endian (trace ids: four, span ids: two). */
  words(field: number, w0: number, w1: number, w2?: number, w3?: number): void {
    this.tag(field, WIRE_LENGTH);
    this.ensure(17);
    const { buf } = this;
    let pos = this.pos;
    buf[pos++] = w2 === undefined ? 8 : 16;
    pos = writeWord(buf, pos, w0);
    pos = writeWord(buf, pos, w1);
    if (w2 !== undefined) {
      pos = writeWord(buf, pos, w2);
      pos = writeWord(buf, pos, w3!);
    }
    this.pos = pos;
  }

  /**
   * A string field whose value repeats (attribute keys, span and event
   * names): its bytes are encoded once and copied after. The first
   * `MAX_CACHED_STRINGS` distinct values are kept; any later one (an
   * operation name no one asked before) is encoded each time.
   */
  repeated(field: number, value: string): void {
    let bytes = fieldCache[field]!.get(value);
    if (bytes === undefined) {
      const start = this.pos;
      this.string(field, value);
      if (fieldCache[field]!.size >= MAX_CACHED_STRINGS) return;
      bytes = Uint8Array.prototype.slice.call(this.buf, start, this.pos);
      fieldCache[field]!.set(value, bytes);
      return;
    }
    this.copy(bytes);
  }

  /** `AnyValue` (common.proto). */
  anyValue(field: number, value: AttributeValue): void {
    const at = this.open(field);
    if (typeof value === 'string') this.string(1, value);
    else if (typeof value === 'boolean') this.uint(2, value ? 1 : 0);
    else if (typeof value === 'number') {
      // As the SDK's transformer: integers in the int64 range are `int_value`, the rest `double_value`.
      if (Number.isInteger(value) && value >= INT64_MIN && value < INT64_END) this.int64(3, value);
      else this.double(4, value);
    } else if (Array.isArray(value)) {
      const array = this.open(5);
      for (const item of value) {
        if (item === null || item === undefined) this.close(this.open(1));
        else this.anyValue(1, item);
      }
      this.close(array);
    }
    this.close(at);
  }

  /** `repeated KeyValue` at `field`, from an attributes object. */
  attributes(field: number, attributes: Attributes): void {
    for (const key in attributes) {
      const value = attributes[key];
      if (value !== undefined && value !== null) this.keyValue(field, key, value);
    }
  }

  /**
   * `repeated KeyValue` at `field`, from flat pairs. A pair whose value is a
   * string that repeats (a method, a route template, a service, a cache
   * result, a tier) is written once and copied after, tag and all: most of a
   * span's attributes are such pairs. A key whose values do not repeat (a
   * correlation id) stops being kept after `MAX_VALUES_PER_KEY` of them, and
   * a pair longer than `MAX_KEPT_PAIR_BYTES` is never kept.
   */
  attributePairs(field: number, list: AttributeList): void {
    for (let i = 0; i < list.length; i += 2) {
      const key = list[i] as string;
      const value = list[i + 1]!;
      if (typeof value !== 'string') {
        this.keyValue(field, key, value);
        continue;
      }
      let values = stringPairs.get(key);
      if (values === undefined) {
        if (stringPairs.size >= MAX_CACHED_STRINGS) values = null;
        else stringPairs.set(key, (values = new Map()));
      }
      const bytes = values?.get(value);
      if (bytes !== undefined) {
        this.copy(bytes);
        continue;
      }
      const start = this.pos;
      this.keyValue(field, key, value);
      if (values === null || values === undefined || field !== SPAN_ATTRIBUTES || this.pos - start > MAX_KEPT_PAIR_BYTES) continue;
      if (values.size >= MAX_VALUES_PER_KEY) stringPairs.set(key, null);
      else values.set(value, Uint8Array.prototype.slice.call(this.buf, start, this.pos));
    }
  }

  private copy(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  private keyValue(field: number, key: string, value: AttributeValue): void {
    const at = this.open(field);
    this.repeated(1, key);
    this.anyValue(2, value);
    this.close(at);
  }

  span(field: number, span: EncodableSpan): void {
    const at = this.open(field);
    const ids = span.idWords;
    if (ids !== undefined) {
      const { trace } = ids;
      this.words(1, trace.w0, trace.w1, trace.w2, trace.w3);
      this.words(2, ids.s0, ids.s1);
      if (span.traceState) this.string(3, span.traceState);
      if ((ids.p0 | ids.p1) !== 0) this.words(4, ids.p0, ids.p1);
    } else {
      this.hexBytes(1, span.traceId);
      this.hexBytes(2, span.spanId);
      if (span.traceState) this.string(3, span.traceState);
      if (span.parentSpanId) this.hexBytes(4, span.parentSpanId);
    }
    this.repeated(5, span.name);
    this.uint(6, span.kind);
    this.time(7, span.startNs);
    this.time(8, span.endNs);
    this.attributePairs(9, span.attributes);
    this.uint(10, 0);
    if (span.events) {
      for (const event of span.events) {
        const e = this.open(11);
        this.time(1, event.timeNs);
        this.repeated(2, event.name);
        if (event.attributes) this.attributes(3, event.attributes);
        this.uint(4, 0);
        this.close(e);
      }
    }
    this.uint(12, 0);
    this.uint(14, 0);
    const status = this.open(15);
    if (span.statusMessage) this.string(2, span.statusMessage);
    this.uint(3, span.statusCode);
    this.close(status);
    this.fixed32(16, span.flags);
    this.close(at);
  }

  /** The bytes written so far, copied out. */
  bytes(): Uint8Array {
    return Uint8Array.prototype.slice.call(this.buf, 0, this.pos);
  }
}

/** Room before the spans for the request's header, written there when the batch is taken (./ProtobufBatch.take). */
function headerRoom(resource: Uint8Array, scope: Uint8Array): number {
  // Two tags and two lengths of at most five bytes each, around the resource and the scope.
  return resource.length + scope.length + 12;
}

/**
 * `http/protobuf`: spans are written as `ScopeSpans.spans` entries after room
 * left for the request's header; `take` writes the header in front of them
 * and hands the bytes over without copying, then starts a new buffer.
 */
export class ProtobufBatch implements SpanBatch {
  /** `ResourceSpans.resource` and `ScopeSpans.scope`, the same for every export. */
  private readonly resource: Uint8Array;
  private readonly scope: Uint8Array;
  private readonly room: number;
  private spans: ProtoWriter;
  count = 0;

  constructor(header: ExportHeader) {
    const resource = new ProtoWriter(1024);
    const at = resource.open(1);
    resource.attributes(1, header.resource);
    resource.uint(2, 0);
    resource.close(at);
    this.resource = resource.bytes();
    const scope = new ProtoWriter(256);
    const scopeAt = scope.open(1);
    scope.string(1, header.scopeName);
    scope.close(scopeAt);
    this.scope = scope.bytes();
    this.room = headerRoom(this.resource, this.scope);
    this.spans = this.fresh(64 * 1024);
  }

  private fresh(size: number): ProtoWriter {
    const writer = new ProtoWriter(size);
    writer.pos = this.room;
    return writer;
  }

  add(span: EncodableSpan): void {
    this.spans.span(2, span);
    this.count += 1;
  }

  take(): Uint8Array {
    const { buf, pos } = this.spans;
    const scopeSpans = this.scope.length + (pos - this.room);
    const resourceSpans = this.resource.length + 1 + varintSize(scopeSpans) + scopeSpans;
    const start = this.room - (1 + varintSize(resourceSpans) + this.resource.length + 1 + varintSize(scopeSpans) + this.scope.length);
    let at = start;
    buf[at++] = 0x0a; // ExportTraceServiceRequest.resource_spans (1)
    at = writeVarint(buf, at, resourceSpans);
    buf.set(this.resource, at);
    at += this.resource.length;
    buf[at++] = 0x12; // ResourceSpans.scope_spans (2)
    at = writeVarint(buf, at, scopeSpans);
    buf.set(this.scope, at);
    this.spans = this.fresh(buf.length);
    this.count = 0;
    return buf.subarray(start, pos);
  }
}

/** Writes a 32-bit word big-endian at `at`; returns where it ends. */
function writeWord(buf: Buffer, at: number, word: number): number {
  buf[at] = word >>> 24;
  buf[at + 1] = word >>> 16;
  buf[at + 2] = word >>> 8;
  buf[at + 3] = word;
  return at + 4;
}

/** Writes `value` as a varint at `at`; returns where it ends. */
function writeVarint(buf: Buffer, at: number, value: number): number {
  while (value >= 128) {
    buf[at++] = (value % 128) | 128;
    value = Math.floor(value / 128);
  }
  buf[at++] = value;
  return at;
}

// --- JSON (the OTLP/JSON mapping: ids in hex, 64-bit integers as decimal strings, enums as numbers) ---

type JsonAnyValue = { stringValue: string } | { boolValue: boolean } | { intValue: number } | { doubleValue: number } | { arrayValue: { values: JsonAnyValue[] } } | Record<string, never>;

function jsonValue(value: AttributeValue | null | undefined): JsonAnyValue {
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (typeof value === 'number') return Number.isInteger(value) && value >= INT64_MIN && value < INT64_END ? { intValue: value } : { doubleValue: value };
  if (Array.isArray(value)) return { arrayValue: { values: value.map((item) => jsonValue(item)) } };
  return {};
}

function jsonAttributes(list: AttributeList): { key: string; value: JsonAnyValue }[] {
  const out: { key: string; value: JsonAnyValue }[] = [];
  for (let i = 0; i < list.length; i += 2) out.push({ key: list[i] as string, value: jsonValue(list[i + 1]) });
  return out;
}

/** `http/json`: each span becomes its JSON object when it ends; `take` serialises the request. */
export class JsonBatch implements SpanBatch {
  private spans: object[] = [];
  private readonly resource: object;
  private readonly scope: object;

  constructor(header: ExportHeader) {
    this.resource = { attributes: jsonAttributes(attributeList(header.resource)), droppedAttributesCount: 0 };
    this.scope = { name: header.scopeName };
  }

  get count(): number {
    return this.spans.length;
  }

  add(span: EncodableSpan): void {
    this.spans.push({
      traceId: span.traceId,
      spanId: span.spanId,
      ...(span.traceState ? { traceState: span.traceState } : {}),
      ...(span.parentSpanId ? { parentSpanId: span.parentSpanId } : {}),
      flags: span.flags,
      name: span.name,
      kind: span.kind,
      startTimeUnixNano: String(epochNanos(span.startNs)),
      endTimeUnixNano: String(epochNanos(span.endNs)),
      attributes: jsonAttributes(span.attributes),
      droppedAttributesCount: 0,
      events: (span.events ?? []).map((event) => ({
        timeUnixNano: String(epochNanos(event.timeNs)),
        name: event.name,
        attributes: jsonAttributes(attributeList(event.attributes)),
        droppedAttributesCount: 0,
      })),
      droppedEventsCount: 0,
      links: [],
      droppedLinksCount: 0,
      status: span.statusMessage ? { code: span.statusCode, message: span.statusMessage } : { code: span.statusCode },
    });
  }

  take(): Uint8Array {
    const body = JSON.stringify({ resourceSpans: [{ resource: this.resource, scopeSpans: [{ scope: this.scope, spans: this.spans }] }] });
    this.spans = [];
    return Buffer.from(body, 'utf8');
  }
}
