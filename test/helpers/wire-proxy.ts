/**
 * A raw-socket front for the fixture upstream that changes how its answers
 * travel, never what they say, in ways CONTRACT.md §1 leaves open: HTTP/1.0
 * or HTTP/1.1 status lines, bodies framed by Content-Length, by chunks (cut
 * inside UTF-8 sequences) or by the connection's end, the connection closed
 * after every answer with or without `Connection: close`, other JSON media
 * types, unknown extra fields in every object, null fields left out. Each
 * service gets its own port and a path prefix ending in `/`. For tests only.
 */
import net, { type AddressInfo, type Socket } from 'node:net';
import { SERVICE_NAMES, type ServiceName } from '../../clients/index.js';

/**
 * How one answer is framed. `length`: HTTP/1.1, Content-Length, keep-alive;
 * `chunked`: HTTP/1.1 chunks of a few bytes; `close`: Content-Length and
 * `Connection: close`, then the socket ends; `eof`: HTTP/1.1 with neither
 * length nor chunks, the body ends with the connection; `http10`: an HTTP/1.0
 * answer without Content-Length, ended by closing the connection; `drop`:
 * Content-Length and nothing said of the connection (HTTP/1.1 keeps it),
 * which the server closes once the answer is sent.
 */
export type Framing = 'length' | 'chunked' | 'close' | 'eof' | 'http10' | 'drop';

export interface WireOptions {
  /** The framing of each service's answers (default `length`). */
  framing?: Partial<Record<ServiceName, Framing>>;
  /** The `Content-Type` of every answer (default `application/json`). */
  contentType?: string;
  /** Adds unknown fields to every JSON object of every answer. */
  extraFields?: boolean;
  /** Leaves out every field whose value is null, as serialisers set to skip nulls do (`nextCursor` on a last page). */
  omitNulls?: boolean;
}

export interface WireProxy {
  urls: Record<ServiceName, string>;
  close(): Promise<void>;
}

const REASONS: Record<number, string> = { 200: 'OK', 201: 'Created', 400: 'Bad Request', 404: 'Not Found', 409: 'Conflict', 422: 'Unprocessable Content', 500: 'Internal Server Error' };
const FORWARDED = ['x-correlation-id', 'x-consumer-id', 'idempotency-key', 'content-type'];

/** `value` with unknown fields added to every object and, with `omitNulls`, its null fields left out. */
function reshape(value: unknown, options: WireOptions): unknown {
  if (Array.isArray(value)) return value.map((item) => reshape(item, options));
  if (typeof value !== 'object' || value === null) return value;
  const copy: Record<string, unknown> = options.extraFields ? { _links: { self: { href: '/x' } }, revision: 7, deprecatedField: null } : {};
  for (const [key, field] of Object.entries(value)) copy[key] = reshape(field, options);
  if (options.omitNulls) for (const key of Object.keys(copy)) if (copy[key] === null) delete copy[key];
  return copy;
}

interface Parsed {
  method: string;
  target: string;
  headers: Record<string, string>;
  body: Buffer;
  rest: Buffer;
}

/** One complete request at the start of `buffer`, or undefined while it is still arriving. */
function parseRequest(buffer: Buffer): Parsed | undefined {
  const end = buffer.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [requestLine = '', ...lines] = buffer.subarray(0, end).toString('latin1').split('\r\n');
  const [method = 'GET', target = '/'] = requestLine.split(' ');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers['content-length'] ?? 0);
  if (buffer.length < end + 4 + length) return undefined;
  return { method, target, headers, body: buffer.subarray(end + 4, end + 4 + length), rest: buffer.subarray(end + 4 + length) };
}

/** Starts one port per service in front of `upstream` (the fixture's URLs). */
export async function startWireProxy(upstream: Record<ServiceName, string>, options: WireOptions = {}): Promise<WireProxy> {
  const sockets = new Set<Socket>();
  const servers: net.Server[] = [];
  const urls = {} as Record<ServiceName, string>;

  async function answer(service: ServiceName, request: Parsed, socket: Socket): Promise<boolean> {
    const prefix = `/v2/${service}/`;
    const path = request.target.startsWith(prefix) ? request.target.slice(prefix.length - 1) : '/not-under-the-prefix';
    const headers: Record<string, string> = {};
    for (const name of FORWARDED) if (request.headers[name] !== undefined) headers[name] = request.headers[name]!;
    const init: RequestInit = { method: request.method, headers };
    if (request.method === 'POST') init.body = request.body;
    const response = await fetch(upstream[service] + path, init);
    let text = await response.text();
    if ((options.extraFields || options.omitNulls) && text !== '') {
      try {
        text = JSON.stringify(reshape(JSON.parse(text), options));
      } catch {
        // Not JSON: sent as it came.
      }
    }
    const framing = options.framing?.[service] ?? 'length';
    const body = Buffer.from(text, 'utf8');
    const version = framing === 'http10' ? 'HTTP/1.0' : 'HTTP/1.1';
    const head = [`${version} ${response.status} ${REASONS[response.status] ?? 'Status'}`, `Content-Type: ${options.contentType ?? 'application/json'}`, 'Server: wire-proxy'];
    if (framing === 'length' || framing === 'close' || framing === 'drop') head.push(`Content-Length: ${body.length}`);
    if (framing === 'chunked') head.push('Transfer-Encoding: chunked');
    if (framing === 'close' || framing === 'eof') head.push('Connection: close');
    socket.write(head.join('\r\n') + '\r\n\r\n');
    if (framing === 'chunked') {
      for (let i = 0; i < body.length; i += 5) {
        const piece = body.subarray(i, i + 5);
        socket.write(piece.length.toString(16) + '\r\n');
        socket.write(piece);
        socket.write('\r\n');
      }
      socket.write('0\r\n\r\n');
    } else {
      socket.write(body);
    }
    const keepAlive = framing === 'length' || framing === 'chunked';
    if (!keepAlive) socket.end();
    return keepAlive;
  }

  for (const service of SERVICE_NAMES) {
    const server = net.createServer((socket) => {
      socket.setNoDelay(true);
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => socket.destroy());
      let buffer: Buffer = Buffer.alloc(0);
      let busy = false;
      const pump = async (): Promise<void> => {
        if (busy) return;
        const request = parseRequest(buffer);
        if (!request) return;
        busy = true;
        buffer = request.rest;
        let open = false;
        try {
          open = await answer(service, request, socket);
        } catch {
          socket.destroy();
        }
        busy = false;
        if (open) void pump();
      };
      socket.on('data', (chunk: Buffer) => {
        buffer = Buffer.concat([buffer, chunk]);
        void pump();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    urls[service] = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2/${service}/`;
  }
  return {
    urls,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };
}
