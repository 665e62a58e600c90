/**
 * A real OTLP/HTTP trace receiver on loopback for tests: accepts
 * `POST /v1/traces` as `application/x-protobuf` (decoded by the small
 * protobuf reader below, after opentelemetry-proto's trace.proto) or
 * `application/json`, gzip-encoded or not, and keeps every span, flattened.
 * It answers a full success unless told to answer otherwise (`answer`).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { gunzipSync } from 'node:zlib';

export type AttributeValue = string | number | boolean | AttributeValue[] | null;

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  /** '' for a root span. */
  parentSpanId: string;
  name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client. */
  kind: number;
  startNs: bigint;
  endNs: bigint;
  attributes: Record<string, AttributeValue>;
  events: { name: string; attributes: Record<string, AttributeValue> }[];
  /** OTLP StatusCode: 0 unset, 1 ok, 2 error. */
  status: { code: number; message: string };
  resource: Record<string, AttributeValue>;
}

export const SPAN_KIND = { INTERNAL: 1, SERVER: 2, CLIENT: 3 } as const;
export const STATUS_ERROR = 2;

export interface OtlpReceiver {
  /** The base URL, for `OTEL_EXPORTER_OTLP_ENDPOINT`. */
  url: string;
  spans: ReceivedSpan[];
  /** Export requests received, with their content type and content coding. */
  requests: { contentType: string; contentEncoding?: string }[];
  /** Resolves once `predicate` holds for the spans received, or throws after `ms`. */
  waitFor(predicate: (spans: ReceivedSpan[]) => boolean, ms?: number): Promise<ReceivedSpan[]>;
  close(): Promise<void>;
}

// --- protobuf wire format (https://protobuf.dev/programming-guides/encoding/) ---

type Field = { no: number; varint?: bigint; bytes?: Uint8Array; fixed64?: bigint; fixed32?: number };

function readFields(buf: Uint8Array): Field[] {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const fields: Field[] = [];
  let at = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const byte = buf[at++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (at < buf.length) {
    const key = Number(varint());
    const no = key >>> 3;
    switch (key & 7) {
      case 0:
        fields.push({ no, varint: varint() });
        break;
      case 1:
        fields.push({ no, fixed64: view.getBigUint64(at, true) });
        at += 8;
        break;
      case 2: {
        const length = Number(varint());
        fields.push({ no, bytes: buf.subarray(at, at + length) });
        at += length;
        break;
      }
      case 5:
        fields.push({ no, fixed32: view.getUint32(at, true) });
        at += 4;
        break;
      default:
        throw new Error(`unsupported wire type ${key & 7}`);
    }
  }
  return fields;
}

const text = (bytes: Uint8Array | undefined) => Buffer.from(bytes ?? []).toString('utf8');
const hex = (bytes: Uint8Array | undefined) => Buffer.from(bytes ?? []).toString('hex');
const all = (fields: Field[], no: number) => fields.filter((f) => f.no === no);
const one = (fields: Field[], no: number) => fields.find((f) => f.no === no);

function anyValue(buf: Uint8Array): AttributeValue {
  const f = readFields(buf)[0];
  if (!f) return null;
  switch (f.no) {
    case 1:
      return text(f.bytes);
    case 2:
      return f.varint === 1n;
    case 3:
      return Number(BigInt.asIntN(64, f.varint ?? 0n));
    case 4:
      return new DataView(new BigUint64Array([f.fixed64 ?? 0n]).buffer).getFloat64(0, true);
    case 5:
      return all(readFields(f.bytes!), 1).map((v) => anyValue(v.bytes!));
    default:
      return null;
  }
}

function keyValues(fields: Field[]): Record<string, AttributeValue> {
  return Object.fromEntries(
    fields.map((kv) => {
      const parts = readFields(kv.bytes!);
      const value = one(parts, 2)?.bytes;
      return [text(one(parts, 1)?.bytes), value ? anyValue(value) : null];
    }),
  );
}

function fromProtobuf(body: Uint8Array): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  for (const rs of all(readFields(body), 1)) {
    const rsFields = readFields(rs.bytes!);
    const resourceBytes = one(rsFields, 1)?.bytes;
    const resource = resourceBytes ? keyValues(all(readFields(resourceBytes), 1)) : {};
    for (const ss of all(rsFields, 2)) {
      for (const s of all(readFields(ss.bytes!), 2)) {
        const f = readFields(s.bytes!);
        const status = one(f, 15)?.bytes;
        const statusFields = status ? readFields(status) : [];
        spans.push({
          traceId: hex(one(f, 1)?.bytes),
          spanId: hex(one(f, 2)?.bytes),
          parentSpanId: hex(one(f, 4)?.bytes),
          name: text(one(f, 5)?.bytes),
          kind: Number(one(f, 6)?.varint ?? 0n),
          startNs: one(f, 7)?.fixed64 ?? 0n,
          endNs: one(f, 8)?.fixed64 ?? 0n,
          attributes: keyValues(all(f, 9)),
          events: all(f, 11).map((e) => {
            const ef = readFields(e.bytes!);
            return { name: text(one(ef, 2)?.bytes), attributes: keyValues(all(ef, 3)) };
          }),
          status: { code: Number(one(statusFields, 3)?.varint ?? 0n), message: text(one(statusFields, 2)?.bytes) },
          resource,
        });
      }
    }
  }
  return spans;
}

// --- OTLP/JSON ---

interface JsonAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: number | string;
  doubleValue?: number;
  arrayValue?: { values?: JsonAnyValue[] };
}
type JsonKeyValue = { key: string; value?: JsonAnyValue };

function jsonValue(v: JsonAnyValue | undefined): AttributeValue {
  if (!v) return null;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(jsonValue);
  return null;
}
const jsonAttributes = (kvs: JsonKeyValue[] | undefined) => Object.fromEntries((kvs ?? []).map((kv) => [kv.key, jsonValue(kv.value)]));

interface JsonSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind?: number;
  startTimeUnixNano: string | number;
  endTimeUnixNano: string | number;
  attributes?: JsonKeyValue[];
  events?: { name: string; attributes?: JsonKeyValue[] }[];
  status?: { code?: number; message?: string };
}

function fromJson(body: Uint8Array): ReceivedSpan[] {
  const request = JSON.parse(text(body)) as {
    resourceSpans?: { resource?: { attributes?: JsonKeyValue[] }; scopeSpans?: { spans?: JsonSpan[] }[] }[];
  };
  return (request.resourceSpans ?? []).flatMap((rs) => {
    const resource = jsonAttributes(rs.resource?.attributes);
    return (rs.scopeSpans ?? []).flatMap((ss) =>
      (ss.spans ?? []).map((s) => ({
        traceId: s.traceId,
        spanId: s.spanId,
        parentSpanId: s.parentSpanId ?? '',
        name: s.name,
        kind: s.kind ?? 0,
        startNs: BigInt(s.startTimeUnixNano),
        endNs: BigInt(s.endTimeUnixNano),
        attributes: jsonAttributes(s.attributes),
        events: (s.events ?? []).map((e) => ({ name: e.name, attributes: jsonAttributes(e.attributes) })),
        status: { code: s.status?.code ?? 0, message: s.status?.message ?? '' },
        resource,
      })),
    );
  });
}

/** The spans of one export request body, as the receiver keeps them. */
export function decodeOtlp(contentType: string, body: Uint8Array): ReceivedSpan[] {
  return contentType.startsWith('application/json') ? fromJson(body) : fromProtobuf(body);
}

/**
 * How the receiver answers one export request (numbered from 1), in place of a full success: a status with its
 * headers and body (the spans of a 2xx answer are kept), or `hang` (never answered).
 */
export type ReceiverAnswer = { status: number; headers?: Record<string, string>; body?: string | Uint8Array } | 'hang';

/** Starts the receiver on a free loopback port. */
export async function startOtlpReceiver(options: { answer?(request: { n: number; contentType: string }): ReceiverAnswer | undefined } = {}): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const requests: { contentType: string; contentEncoding?: string }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const contentType = req.headers['content-type'] ?? '';
      const contentEncoding = req.headers['content-encoding'];
      requests.push(contentEncoding === undefined ? { contentType } : { contentType, contentEncoding });
      if (req.method !== 'POST' || req.url !== '/v1/traces') return void res.writeHead(404).end();
      const answer = options.answer?.({ n: requests.length, contentType });
      if (answer === 'hang') return;
      if (answer !== undefined && (answer.status < 200 || answer.status > 299)) return void res.writeHead(answer.status, answer.headers).end(answer.body);
      let body = new Uint8Array(Buffer.concat(chunks));
      try {
        if (contentEncoding === 'gzip') body = new Uint8Array(gunzipSync(body));
        spans.push(...decodeOtlp(contentType, body));
      } catch {
        return void res.writeHead(400).end();
      }
      if (answer !== undefined) return void res.writeHead(answer.status, answer.headers).end(answer.body);
      // An empty ExportTraceServiceResponse: all spans accepted.
      if (contentType.startsWith('application/json')) res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      else res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    requests,
    async waitFor(predicate, ms = 10_000) {
      const until = Date.now() + ms;
      while (!predicate(spans)) {
        if (Date.now() > until) throw new Error(`the receiver did not get the expected spans in ${ms} ms; it has:\n${spans.map((s) => s.name).join('\n')}`);
        await sleep(20);
      }
      return spans;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
