/**
 * The edge thread (`OVERLOAD_EDGE_THREAD=on`): a worker thread owns the
 * public port and refuses GraphQL requests over the main thread's in-flight
 * limit itself, on its own event loop, so a refusal waits neither for the
 * main thread's long turns nor for its collector's pauses (docs/overload.md).
 * Every other request is read there (its body capped) and posted, parsed, to
 * the main thread over the worker's `MessagePort`; the edge's listener runs
 * on a request stream and a response record made here, and the answer is
 * posted back for the worker to write. No answer is serialised twice, and
 * each thread posts what it has for the other once per turn of its loop, so
 * a busy thread wakes the other once per turn rather than once per request:
 * flat out, the hop costs no CPU per request the benchmark can see
 * (BENCHMARKS.md, "The edge thread's hop, batched").
 *
 * What the main thread keeps: every decision but the fast refusal (routes,
 * CORS, credentials, budgets, the guard itself), the metrics, the logs and
 * the trace. The worker learns the guard's limit through shared memory,
 * refreshed every 20 ms, and how many of its forwarded GraphQL requests the
 * main thread has settled, counted as the work for each is over (answered,
 * or finished after its client went away), as the guard counts; the main thread
 * learns of each refusal the same way
 * (counted in `bff_shed_total`, shown by `/readyz`), at latest when it next
 * serves a request. While the main thread's event loop lags, the limit
 * published is 0 and the worker refuses every GraphQL request; the main
 * thread refuses none of those the worker counted (it counts them in flight
 * too), so no refusal waits for the main thread's loop.
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdirSync } from 'node:fs';
import { availableParallelism, getPriority, setPriority } from 'node:os';
import { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { AUDIENCES, type Audience } from '../context.js';
import { ErrorCode } from '../errors.js';
import type { SentApp } from '../observability/app-client.js';
import type { EdgeRefusal } from '../observability/edge-refusals.js';
import { EXPOSED_HEADERS } from './cors.js';
import { broughtCorrelationId, VALID_CORRELATION_ID } from './correlation.js';
import { bodyTooLarge, COMPRESSED_BODY, DRAINED_BODY_BYTES, isEncoded } from './body.js';
import { GRAPHQL_PATH } from './endpoints.js';
import { OVERLOADED_MESSAGE, type OverloadGuard, type ShedReason } from './overload.js';
import { CLIENT_ERROR_STATUS, clientErrorAnswers, graphQLErrorBody } from './respond.js';

/** What the gateway needs of its listening server: `node:http`'s `Server`, or the edge thread. */
export interface EdgeListener {
  once(event: 'error', listener: (error: Error) => void): unknown;
  listen(port: number, host: string, callback: () => void): unknown;
  address(): AddressInfo | string | null;
  close(callback: () => void): unknown;
  closeIdleConnections(): void;
  closeAllConnections(): void;
}

export interface EdgeThreadOptions {
  /** `node:http` server options for the public listener (header size and time-outs). */
  limits: Record<string, number>;
  maxBodyBytes: number;
  retryAfterSeconds: number;
  /** Origins whose browsers may read the worker's refusals (the CORS allowlist). */
  corsOrigins: readonly string[];
  /** The audiences this process serves: another's path is the main thread's 404, never a refusal. */
  audiences: readonly Audience[];
  guard: OverloadGuard;
  /** One refusal by the worker, for the metrics and the shed log. */
  onShed(audience: Audience, reason: ShedReason): void;
  /**
   * Added to the nice value of every thread of the process but the worker's, once it listens (Linux): where they
   * share a core, the kernel then runs the worker as soon as a request arrives instead of after the main thread's
   * (or the collector's) time slice. 0 leaves them.
   */
  mainThreadNice: number;
  /** The nice values could not be changed (a sandbox forbidding it): the edge thread works, its refusals wait more. */
  onNiceRefused?: (error: unknown) => void;
  /** A GraphQL request the worker answered 413: its log line and count. */
  onRefused?: (refusal: EdgeRefusal) => void;
  /**
   * Where the two counts of GraphQL requests (forwarded by the worker, settled here) start: 0. They are 32-bit
   * and wrap after 2^31 requests (weeks of traffic); tests start them just short of that.
   */
  firstCount?: number;
}

/**
 * Shared slots: the limit the worker applies (the in-flight limit, 0 while the
 * main thread's loop lags: every GraphQL request refused), 1 once the listener
 * is closing, how many forwarded GraphQL requests the main thread has settled
 * (the work for each over: answered, or finished after the client went away),
 * then one refusal counter per audience.
 */
const LIMIT = 0;
const CLOSING = 1;
const SETTLED = 2;
const REFUSALS = 3;

/** The worker's code, as plain JavaScript (a worker does not get the TypeScript loader of `npm run dev` or the tests). */
const WORKER = `
const { workerData: options, parentPort } = require('node:worker_threads');
const http = require('node:http');
const { randomUUID } = require('node:crypto');
const shared = new Int32Array(options.shared);
const AUDIENCES = options.audiences;
const served = new Set(options.served);
const GRAPHQL = new RegExp(options.graphqlPath);
const CORRELATION = new RegExp(options.correlationId);
const origins = new Set(options.corsOrigins);
// GraphQL requests forwarded; those in flight are the ones the main thread has not settled yet. Counted there, the
// moment the work for each is over, so an answer waiting to be posted back does not hold a slot (and a client that
// went away does, while its operation still runs). Both counts are 32-bit and wrap (the shared one in its Int32Array,
// this one by | 0): their difference, taken in 32 bits, is right across the wrap.
let forwarded = options.firstCount;
function inFlight() {
  return (forwarded - Atomics.load(shared, ${SETTLED})) | 0;
}
let nextId = 0;
const waiting = new Map();
const receiving = new Set();
// Everything for the main thread (requests and aborts above all), posted once per turn of this loop: one wake-up of
// the main thread for all of it, in the order it happened.
let outbox = [];
function post(message) {
  if (outbox.length === 0) setImmediate(flush);
  outbox.push(message);
}
function flush() {
  const batch = outbox;
  outbox = [];
  parentPort.postMessage(batch);
}

// The main thread's own check, its source copied in (it is self-contained).
${isEncoded.toString()}

// The main thread's rule, its source copied in (correlation.ts): the id the request brought, else a fresh UUID.
${broughtCorrelationId.toString()}

function correlationId(req) {
  return broughtCorrelationId(req.headers, CORRELATION) ?? randomUUID();
}

// The app's name and version headers, as sent: the main thread checks them for the request line (app-client.ts).
function sentApp(req) {
  return { name: req.headers['apollographql-client-name'], version: req.headers['apollographql-client-version'] };
}

function sendError(req, res, status, body, extra) {
  const headers = { 'x-correlation-id': correlationId(req), 'x-content-type-options': 'nosniff', 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body), ...extra };
  const origin = req.headers.origin;
  if (typeof origin === 'string' && origins.has(origin)) {
    headers['access-control-allow-origin'] = origin;
    headers['access-control-expose-headers'] = options.exposedHeaders;
    headers['vary'] = 'Origin';
  }
  res.writeHead(status, headers);
  res.end(body);
}

// expectsContinue: node:http found the request waiting for 100 Continue (HTTP/1.1 with that expectation).
function onRequest(req, res, expectsContinue) {
  // A request on a kept-alive connection after close() began: node:http's close would have closed that idle connection.
  if (Atomics.load(shared, ${CLOSING}) === 1) {
    req.socket.destroy();
    return;
  }
  const arrived = performance.now();
  const url = req.url || '/';
  // The path as the main thread routes it (endpoints.ts's urlAsSent): up to the query or the fragment, so what the
  // main thread serves as GraphQL is counted and refused here (it decides itself only on what the worker did not count).
  const end = url.search(/[?#]/);
  const match = GRAPHQL.exec(end < 0 ? url : url.slice(0, end));
  const graphql = match !== null && served.has(match[1]) && (req.method === 'GET' || req.method === 'POST');
  if (graphql && inFlight() >= Atomics.load(shared, ${LIMIT})) {
    Atomics.add(shared, ${REFUSALS} + AUDIENCES.indexOf(match[1]), 1);
    sendError(req, res, 503, options.refusal, { 'retry-after': options.retryAfter });
    return;
  }
  const tooLarge = () => {
    const id = correlationId(req);
    // A GraphQL request's 413 is told to the main thread, for its request line and count.
    if (match !== null && served.has(match[1])) post({ type: 'refused', audience: match[1], correlationId: id, status: 413, elapsedMs: performance.now() - arrived, app: sentApp(req) });
    sendError(req, res, 413, options.tooLarge, { connection: 'close', 'x-correlation-id': id });
  };
  // A larger body than the limit is read to its end and thrown away before its 413, as on the main thread (body.ts's
  // readBody): a proxy sends it whole, and a connection closed under it is its 502. At once past DRAINED_BODY_BYTES,
  // or for a client waiting for 100 Continue, which sends nothing of a refused body.
  const declared = Number(req.headers['content-length'] || 0);
  if (declared > options.maxBodyBytes && (expectsContinue || declared > ${DRAINED_BODY_BYTES})) return tooLarge();
  // A compressed GraphQL body: refused from its headers, as on the main thread (body.ts's isEncoded, below).
  if (graphql && req.method === 'POST' && isEncoded(req.headers['content-encoding'])) {
    const id = correlationId(req);
    post({ type: 'refused', audience: match[1], correlationId: id, status: 415, elapsedMs: performance.now() - arrived, app: sentApp(req) });
    sendError(req, res, 415, options.compressed, { 'accept-encoding': 'identity', 'x-correlation-id': id });
    return;
  }
  // Sent here, once the body will be read: not before a refusal or a 413 (the checkContinue listener below).
  if (expectsContinue) res.writeContinue();
  // Until its body has arrived: nothing has run for it, so the drain closes its connection (closeIdle).
  receiving.add(req);
  req.once('close', () => receiving.delete(req));
  const chunks = [];
  let size = 0;
  let refused = false;
  req.on('data', (chunk) => {
    if (refused) return;
    size += chunk.length;
    if (size > Math.max(options.maxBodyBytes, ${DRAINED_BODY_BYTES})) {
      refused = true;
      chunks.length = 0;
      req.pause();
      tooLarge();
      return;
    }
    // Past the limit: thrown away while the rest arrives, then refused.
    if (size <= options.maxBodyBytes) chunks.push(chunk);
    else chunks.length = 0;
  });
  req.on('end', () => {
    receiving.delete(req);
    if (refused) return;
    if (size > options.maxBodyBytes) return tooLarge();
    const id = nextId++;
    if (graphql) forwarded = (forwarded + 1) | 0;
    // Waiting for its answer until answered (or the client goes away).
    waiting.set(id, res);
    // A client that goes away before its answer: the main thread's response closes early, as node:http's would
    // (the main thread then sends no answer for it, and settles it once the work for it is over).
    res.once('close', () => {
      if (waiting.delete(id)) post({ type: 'aborted', id });
    });
    post({ type: 'request', id, graphql, method: req.method, url, headers: req.headers, body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks), remoteAddress: req.socket.remoteAddress });
  });
}
const server = http.createServer(options.limits, (req, res) => onRequest(req, res, false));

function answer(message) {
  const res = waiting.get(message.id);
  if (!res) return;
  waiting.delete(message.id);
  if (res.destroyed) return;
  // The length, as node:http gives a body sent whole: writeHead would otherwise fix the headers without it, and the
  // answer would go chunked (and close an HTTP/1.0 keep-alive connection). A HEAD's answer keeps the length its
  // handler gave, that of the GET's body (RFC 9110 8.6): the body here is empty, and none is sent anyway.
  const head = res.req.method === 'HEAD' && message.headers['content-length'] !== undefined;
  if (message.status !== 204 && message.status !== 304 && !head) message.headers['content-length'] = Buffer.byteLength(message.body);
  res.writeHead(message.status, message.headers);
  res.end(message.body);
}

parentPort.on('message', (message) => {
  // The main thread's answers come in batches (one per turn of its loop).
  if (Array.isArray(message)) {
    for (const one of message) answer(one);
    return;
  }
  switch (message.type) {
    case 'close':
      server.close(() => post({ type: 'closed' }));
      return;
    case 'closeIdle':
      server.closeIdleConnections();
      for (const req of receiving) req.socket.destroy();
      return;
    case 'closeAll':
      server.closeAllConnections();
      return;
  }
});
// Closing is set by the main thread before it asks this thread to close: a connection accepted in between is dropped,
// as node:http's server.close() refuses new ones at once.
server.on('connection', (socket) => {
  if (Atomics.load(shared, ${CLOSING}) === 1) socket.destroy();
});
server.on('error', (error) => post({ type: 'error', code: error.code, syscall: error.syscall, message: error.message }));
// Expect: 100-continue is answered by the request handler once it will read the body, never before a refusal or a 413.
server.on('checkContinue', (req, res) => onRequest(req, res, true));
// node:http's own refusals (malformed request, headers too large, time-out): the main thread's answers (respond.ts).
server.on('clientError', (error, socket) => {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const answer = options.clientErrors[options.clientErrorStatus[error.code] || 400];
  socket.end(answer.head + 'X-Correlation-ID: ' + randomUUID() + '\\r\\n\\r\\n' + answer.body);
});
// This thread's id (Linux), so the main thread can lower every thread of the process but this one.
let threadId = null;
try {
  threadId = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop());
} catch {}
server.listen(options.port, options.host, () => post({ type: 'listening', address: server.address(), threadId }));
`;

type Body = string | Uint8Array;
type HeaderValue = number | string | readonly string[];

/**
 * The response the edge's listener writes on the main thread: what
 * `node:http`'s would be told (status, headers, body), posted to the worker
 * on `end`; `finish` and `close` follow as they would.
 */
class EdgeReply extends EventEmitter {
  statusCode = 200;
  headersSent = false;
  writableFinished = false;
  destroyed = false;
  private readonly headers = new Map<string, HeaderValue>();
  private readonly chunks: Body[] = [];

  /** `send` posts the answer (the request's slot is settled by the listener's promise, in `serve`). */
  constructor(
    private readonly send: (status: number, headers: Record<string, HeaderValue>, body: Body) => void,
  ) {
    super();
  }

  setHeader(name: string, value: HeaderValue): this {
    this.headers.set(name.toLowerCase(), value);
    return this;
  }

  getHeader(name: string): HeaderValue | undefined {
    return this.headers.get(name.toLowerCase());
  }

  removeHeader(name: string): void {
    this.headers.delete(name.toLowerCase());
  }

  writeHead(status: number, headers?: Record<string, HeaderValue>): this {
    this.statusCode = status;
    if (headers) for (const name in headers) this.setHeader(name, headers[name]!);
    this.headersSent = true;
    return this;
  }

  write(chunk: Body): boolean {
    this.headersSent = true;
    this.chunks.push(chunk);
    return true;
  }

  end(chunk?: Body | (() => void)): this {
    if (this.writableFinished || this.destroyed) return this;
    if (chunk !== undefined && typeof chunk !== 'function') this.chunks.push(chunk);
    this.headersSent = true;
    this.writableFinished = true;
    // The worker sets the length of what it writes (to a HEAD, it keeps this one).
    const body = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c)));
    this.send(this.statusCode, Object.fromEntries(this.headers), body);
    this.emit('finish');
    setImmediate(() => this.emit('close'));
    return this;
  }

  /** The handler gave up after its headers went out: the client gets what the worker has (nothing), then the connection closes. */
  destroy(): this {
    if (this.writableFinished || this.destroyed) return this;
    this.destroyed = true;
    this.send(500, { connection: 'close' }, '');
    setImmediate(() => this.emit('close'));
    return this;
  }

  /** The client went away before the answer. */
  aborted(): void {
    if (this.writableFinished || this.destroyed) return;
    this.destroyed = true;
    this.emit('close');
  }
}

interface PostedRequest {
  id: number;
  /** A GraphQL request, counted against the in-flight limit by the worker until the work for it is over here. */
  graphql: boolean;
  method: string;
  url: string;
  headers: Record<string, string | string[]>;
  body: Uint8Array;
  remoteAddress: string | undefined;
}

/** The request stream the edge's listener reads on the main thread. */
function requestFrom(posted: PostedRequest): IncomingMessage {
  const req = new Readable({ read() {} });
  Object.assign(req, { method: posted.method, url: posted.url, headers: posted.headers, socket: { remoteAddress: posted.remoteAddress } });
  if (posted.body.length > 0) req.push(Buffer.from(posted.body.buffer, posted.body.byteOffset, posted.body.length));
  req.push(null);
  return req as unknown as IncomingMessage;
}

/**
 * Adds `by` (at most to 19) to the nice value of every thread of this
 * process but the edge thread's: the main thread, V8's compiler and collector
 * threads, libuv's pool (threads started later take their creator's value).
 * On Linux a nice value is a thread's, and `setpriority` of a thread id sets
 * that thread's alone; any process may raise its own threads' values, so this
 * needs no privilege (lowering them back would). Elsewhere (no `/proc`, or no
 * thread id from the worker) nothing changes.
 */
function lowerAllThreadsBut(edgeThreadId: number | null, by: number, onRefused?: (error: unknown) => void): void {
  if (edgeThreadId === null) return;
  try {
    for (const entry of readdirSync('/proc/self/task')) {
      const tid = Number(entry);
      if (tid === edgeThreadId) continue;
      try {
        setPriority(tid, Math.min(19, getPriority(tid) + by));
      } catch (error) {
        // A thread that ended meanwhile: os.getPriority/setPriority throw ERR_SYSTEM_ERROR, the errno's name in `info`.
        if ((error as { info?: { code?: string } }).info?.code !== 'ESRCH') throw error;
      }
    }
  } catch (error) {
    onRefused?.(error);
  }
}

/** What `OVERLOAD_MAIN_THREAD_NICE=auto` adds where the process may run on one CPU only. */
export const AUTO_MAIN_THREAD_NICE = 10;

/**
 * The nice increment for the rest of the process: the setting, or for
 * `auto` 10 where the process may run on one CPU only (its affinity, as
 * `taskset` or a cpuset leaves it), so both threads share that core and the
 * edge thread would wait for the main thread's time slice; else 0, since the
 * edge thread then finds another core and a lower priority would only cost
 * the gateway CPU against other busy processes of its session or cgroup
 * (docs/overload.md, "Priority").
 */
export function mainThreadNiceFor(setting: number | 'auto', cpus: number = availableParallelism()): number {
  if (setting !== 'auto') return setting;
  return cpus === 1 ? AUTO_MAIN_THREAD_NICE : 0;
}

/**
 * The edge's listener: its promise settles when the work for the request is over (answered, or given up).
 * `counted`: the edge thread took it for a GraphQL request and admitted it against the limit (the main thread only
 * counts it then); any other request (its own, or one whose target the worker did not read as GraphQL) is decided
 * by the main thread's guard.
 */
export type EdgeRequestListener = (req: IncomingMessage, res: ServerResponse, counted?: boolean) => Promise<void>;

export function createEdgeThread(listener: EdgeRequestListener, options: EdgeThreadOptions): EdgeListener {
  const shared = new SharedArrayBuffer(4 * (REFUSALS + AUDIENCES.length));
  const slots = new Int32Array(shared);
  const firstCount = (options.firstCount ?? 0) | 0;
  Atomics.store(slots, SETTLED, firstCount);
  const seen = AUDIENCES.map(() => 0);
  const events = new EventEmitter();
  const replies = new Map<number, EdgeReply>();
  let worker: Worker | undefined;
  let address: AddressInfo | string | null = null;
  let publisher: NodeJS.Timeout | undefined;

  /** Takes in the worker's refusals since last time (before serving a request, so `/readyz` and the metrics count them). */
  const takeRefusals = () => {
    for (let i = 0; i < AUDIENCES.length; i += 1) {
      const refused = Atomics.load(slots, REFUSALS + i);
      if (refused === seen[i]) continue;
      // In 32 bits, as the counter wraps.
      const fresh = (refused - seen[i]!) | 0;
      // The worker refuses every request while the loop lags (the published limit is 0), else at the limit.
      const reason = Atomics.load(slots, LIMIT) === 0 ? 'event_loop_delay' : 'in_flight';
      for (let n = 0; n < fresh; n += 1) options.onShed(AUDIENCES[i]!, reason);
      seen[i] = refused;
      options.guard.refusedElsewhere();
    }
  };
  /** Every 20 ms: the refusals, and the limit a new request meets now for the worker (0 while the loop lags). */
  const sync = () => {
    takeRefusals();
    Atomics.store(slots, LIMIT, options.guard.admissionLimit());
  };

  /** Answers for the worker, posted once per turn of this loop: one wake-up of the worker for all of them. */
  let outbox: { id: number; status: number; headers: Record<string, HeaderValue>; body: Body }[] = [];
  const flush = () => {
    const batch = outbox;
    outbox = [];
    worker?.postMessage(batch);
  };

  const serve = (posted: PostedRequest) => {
    takeRefusals();
    const reply = new EdgeReply((status, headers, body) => {
      replies.delete(posted.id);
      if (outbox.length === 0) setImmediate(flush);
      outbox.push({ id: posted.id, status, headers, body });
    });
    replies.set(posted.id, reply);
    // The worker counts a GraphQL request in flight until the work for it is over here, as the guard does:
    // a client that went away frees nothing while its operation still runs.
    void listener(requestFrom(posted), reply as unknown as ServerResponse, posted.graphql).finally(() => {
      if (posted.graphql) Atomics.add(slots, SETTLED, 1);
    });
  };

  return {
    once(event, callback) {
      return events.once(event, callback);
    },
    listen(port, host, callback) {
      sync();
      worker = new Worker(WORKER, {
        eval: true,
        workerData: {
          shared,
          firstCount,
          port,
          host,
          audiences: AUDIENCES,
          served: [...options.audiences],
          limits: options.limits,
          maxBodyBytes: options.maxBodyBytes,
          // What the worker's answers share with the main thread's: made here, once, from the modules that own them.
          graphqlPath: GRAPHQL_PATH.source,
          correlationId: VALID_CORRELATION_ID.source,
          exposedHeaders: EXPOSED_HEADERS,
          corsOrigins: [...options.corsOrigins],
          retryAfter: String(options.retryAfterSeconds),
          refusal: JSON.stringify(graphQLErrorBody(ErrorCode.OVERLOADED, OVERLOADED_MESSAGE)),
          tooLarge: JSON.stringify(graphQLErrorBody(ErrorCode.BAD_REQUEST, bodyTooLarge(options.maxBodyBytes))),
          compressed: JSON.stringify(graphQLErrorBody(ErrorCode.BAD_REQUEST, COMPRESSED_BODY)),
          clientErrors: clientErrorAnswers(),
          clientErrorStatus: CLIENT_ERROR_STATUS,
        },
      });
      worker.on('error', (error) => events.emit('error', error));
      type Message = { type: string } & Partial<PostedRequest> & { threadId?: number | null; address?: AddressInfo; code?: string; syscall?: string; message?: string; audience?: string; correlationId?: string; status?: number; elapsedMs?: number; app?: SentApp };
      const take = (message: Message) => {
        switch (message.type) {
          case 'listening':
            address = message.address ?? null;
            if (options.mainThreadNice > 0) lowerAllThreadsBut(message.threadId ?? null, options.mainThreadNice, options.onNiceRefused);
            publisher = setInterval(sync, 20);
            publisher.unref();
            callback();
            return;
          case 'request':
            serve(message as PostedRequest);
            return;
          case 'refused':
            options.onRefused?.({
              audience: message.audience as Audience,
              correlationId: message.correlationId!,
              status: message.status!,
              code: ErrorCode.BAD_REQUEST,
              // The worker's clock is not this thread's: the time it took there, counted back from now.
              startedAt: performance.now() - (message.elapsedMs ?? 0),
              ...(message.app ? { app: message.app } : {}),
            });
            return;
          case 'aborted':
            replies.get(message.id!)?.aborted();
            replies.delete(message.id!);
            return;
          case 'error':
            events.emit('error', Object.assign(new Error(message.message), { code: message.code, syscall: message.syscall }));
            return;
          case 'closed':
            events.emit('closed');
            return;
        }
      };
      // Everything comes in batches (one per turn of the worker's loop), in the order it happened.
      worker.on('message', (batch: Message[]) => {
        for (const message of batch) take(message);
      });
    },
    address: () => address,
    close(callback) {
      clearInterval(publisher);
      Atomics.store(slots, CLOSING, 1);
      if (!worker) return callback();
      events.once('closed', () => {
        void worker!.terminate().then(() => callback());
      });
      worker.postMessage({ type: 'close' });
    },
    closeIdleConnections: () => worker?.postMessage({ type: 'closeIdle' }),
    closeAllConnections: () => worker?.postMessage({ type: 'closeAll' }),
  };
}
