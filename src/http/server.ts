import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Audience } from '../context.js';
import { ErrorCode } from '../errors.js';
import type { Logger } from '../logger.js';
import { sentApp } from '../observability/app-client.js';
import type { EdgeRefusal } from '../observability/edge-refusals.js';
import type { Tracing } from '../observability/tracing/create-tracing.js';
import { isBrowserVisit, type Playground } from '../playground/handler.js';
import { clientAddress, trustedProxies } from './client-address.js';
import { correlationIdFrom } from './correlation.js';
import { applyCors } from './cors.js';
import type { createGraphQLHandler } from './graphql-handler.js';
import { bodyTooLarge, ClientGoneError, COMPRESSED_BODY, isEncoded, PayloadTooLargeError, readBody } from './body.js';
import { OVERLOADED_MESSAGE, type OverloadGuard, type ShedReason } from './overload.js';
import type { Readiness } from './readiness.js';
import { answerClientErrors, sendGraphQLError } from './respond.js';
import { audienceOfPath, urlAsSent } from './endpoints.js';
import { serveOperations, type OperationsEndpoints } from './operations.js';
import { createEdgeThread, type EdgeListener, type EdgeRequestListener } from './edge-thread.js';

export interface EdgeOptions {
  audiences: readonly Audience[];
  trustedProxies: readonly string[];
  corsOrigins: readonly string[];
  logger: Logger;
  graphql: ReturnType<typeof createGraphQLHandler>;
  /** `/healthz`, `/readyz` and `/metrics` as this port serves them (without the metrics and details when an operations port has them). */
  operations: OperationsEndpoints;
  /** Node's limits on the listener (serverLimits). */
  limits: ServerLimits;
  /** What `/readyz` answers: started, not draining, not shedding (and whether to close a connection: draining). */
  readiness: Readiness;
  /** Sheds GraphQL requests at the edge when the process is overloaded. */
  overload: OverloadGuard;
  /** A refused request, for the metric and the (throttled) log line. */
  onShed?: (audience: Audience, reason: ShedReason) => void;
  /** A GraphQL request answered here before its operation was read (405, 413, a browser visit): its log line and count. */
  onRefused?: (refusal: EdgeRefusal) => void;
  /** `Retry-After` of a refusal, in seconds. */
  retryAfterSeconds?: number;
  /** The browser playground pages and their assets; null or absent: none served. */
  playground?: Playground | null;
  /** Largest request body; a larger one is answered 413 before the request takes a slot. */
  maxBodyBytes: number;
  /** True: a worker thread owns the public port and refuses over-limit GraphQL requests itself (src/http/edge-thread.ts). */
  edgeThread?: boolean;
  /** With the edge thread: added to the nice value of every thread but the edge thread's once it listens (0: left as they are). */
  mainThreadNice?: number;
  /** OpenTelemetry tracing; null or absent: off, and no request is traced. */
  tracing?: Pick<Tracing, 'startRequest'> | null;
}

const NO_PLAYGROUND = 'No playground on this endpoint: send GraphQL requests as POST with Content-Type: application/json.';

export type ServerLimits = ReturnType<typeof serverLimits>;

/**
 * Node's own limits, tighter than its defaults where a gateway needs them (slow-loris, huge headers), and an idle
 * keep-alive time longer than Node's 5 s: a load balancer that keeps its connections to the gateway longer than the
 * gateway does (an AWS ALB 60 s, Google's 600 s) sends a request on a connection the gateway is closing, and its
 * client gets a 502. Node sends it as `Keep-Alive: timeout=…`.
 */
export function serverLimits(timeouts: { headersTimeoutMs: number; keepAliveTimeoutMs: number }) {
  const { headersTimeoutMs, keepAliveTimeoutMs } = timeouts;
  return {
    maxHeaderSize: 16 * 1024,
    headersTimeout: headersTimeoutMs,
    requestTimeout: 30_000,
    keepAliveTimeout: keepAliveTimeoutMs,
    // Node enforces headersTimeout only when this timer sweeps (default every 30 s): sweep often enough to mean it.
    connectionsCheckingInterval: Math.min(1_000, Math.max(50, Math.floor(headersTimeoutMs / 4))),
  };
}


/**
 * The edge: one node:http server routing `/{audience}/graphql`, `/healthz`,
 * `/readyz` and `/metrics` (those three always answered, overload or not), with a correlation id on every request and response and CORS
 * from an allowlist. A handler that throws is answered with a masked 500 and
 * logged; the server keeps serving.
 */
export function createEdgeServer(options: EdgeOptions): EdgeListener {
  const trusted = trustedProxies(options.trustedProxies);
  const origins = new Set(options.corsOrigins);
  const served = new Set(options.audiences);
  // A GraphQL request the edge thread counted was admitted there against the guard's limit and lag: here it is only
  // counted, so no refusal waits for this event loop (its turns and collector pauses). Any other is decided here.
  const guard = options.overload;
  const counted: Pick<OverloadGuard, 'check' | 'admit' | 'release'> = { check: () => null, admit: () => (guard.enter(), null), release: () => guard.release() };

  async function route(req: IncomingMessage, res: ServerResponse, correlationId: string, startedAt: number, countedByEdge: boolean): Promise<void> {
    const overload = countedByEdge ? counted : guard;
    // Routed by the path as sent: `//x/metrics`, `/a/../metrics` or `http://x/metrics` resolve to /metrics, past a
    // proxy's rule that keeps that path internal.
    const url = urlAsSent(req.url ?? '/');
    if (url === null) return sendGraphQLError(res, 404, ErrorCode.BAD_REQUEST, 'Not found.');
    // /healthz and /readyz always; /metrics and the verbose status unless the operations port serves them.
    const operations = serveOperations(req, res, url, options.operations);
    if (operations !== null) return operations;
    // Before Apollo: its landing page is off, so a browser's bare GET would be a CSRF 400 there.
    if (options.playground?.handle(req, res, url)) return;
    const audience = audienceOfPath(url.pathname);
    if (!audience || !served.has(audience)) {
      return sendGraphQLError(res, 404, ErrorCode.BAD_REQUEST, 'Not found.');
    }
    // A browser opening an endpoint that has no playground here (mobile and web in production): say what the URL
    // is for, rather than Apollo's CSRF refusal of a bare GET.
    if (isBrowserVisit(req, url)) return refuseUnread(req, res, { audience, correlationId, startedAt }, 400, NO_PLAYGROUND);
    // With tracing on, a server span for each request to a GraphQL endpoint served here (src/observability/tracing/server-span.ts).
    const trace = options.tracing?.startRequest(req, res, audience);
    if (applyCors(req, res, origins)) return;
    if (req.method !== 'GET' && req.method !== 'POST') {
      return refuseUnread(req, res, { audience, correlationId, startedAt }, 405, 'Use GET or POST.', { allow: 'GET, POST' });
    }
    // Before the body is read, the credentials checked or anything parsed: a refusal must cost next to nothing.
    const early = overload.check();
    if (early !== null) return refuse(res, audience, early);
    // The body arrives before the request takes a slot, as on the edge thread: a client trickling its body
    // holds a connection (until Node's request time-out, or the drain), never a slot of the in-flight limit.
    let body: Buffer | undefined;
    if (req.method === 'POST') {
      // Never decompressed (a small body could expand without bound), and never read as if it were not compressed:
      // refused from the headers, before the body is asked for (100 Continue) or a slot taken.
      if (isEncoded(req.headers['content-encoding'])) {
        return refuseUnread(req, res, { audience, correlationId, startedAt }, 415, COMPRESSED_BODY, { 'accept-encoding': 'identity' });
      }
      const received = await receiveBody(req, res, correlationId, audience);
      if (received === 'too large') {
        return refuseUnread(req, res, { audience, correlationId, startedAt }, 413, bodyTooLarge(options.maxBodyBytes), { connection: 'close' });
      }
      if (received === null) return;
      body = received;
    }
    const shed = overload.admit();
    if (shed !== null) return refuse(res, audience, shed);
    try {
      // Oldest first when more were admitted at once than run side by side (the guard's running slots).
      const turn = guard.start();
      if (turn !== null) await turn;
      try {
        return await options.graphql(req, res, { audience, correlationId, clientAddress: clientAddress(req, trusted), url, trace, body, startedAt });
      } finally {
        guard.finish();
      }
    } finally {
      // Held while work is done for the request, even after its client has gone: the limit bounds the work itself.
      overload.release();
    }
  }

  /** Answers a GraphQL request with `status` (`BAD_REQUEST`) before its operation is read, and has it logged and counted. */
  function refuseUnread(
    req: IncomingMessage,
    res: ServerResponse,
    request: Omit<EdgeRefusal, 'status' | 'code' | 'app'>,
    status: number,
    message: string,
    headers?: Record<string, string>,
  ): void {
    options.onRefused?.({ ...request, status, code: ErrorCode.BAD_REQUEST, app: sentApp(req.headers) });
    sendGraphQLError(res, status, ErrorCode.BAD_REQUEST, message, headers);
  }

  function refuse(res: ServerResponse, audience: Audience, reason: ShedReason): void {
    options.onShed?.(audience, reason);
    sendGraphQLError(res, 503, ErrorCode.OVERLOADED, OVERLOADED_MESSAGE, { 'retry-after': String(options.retryAfterSeconds ?? 1) });
  }

  /** Requests whose body is still arriving: nothing has run for them, so the drain closes their connections. */
  const receiving = new Set<IncomingMessage>();
  /** Requests node:http found waiting for `100 Continue` (HTTP/1.1 with that expectation): sent once the body will be read. */
  const awaitingContinue = new WeakSet<IncomingMessage>();

  /** The request body; 'too large' over the limit; null when its client went away before sending all of it. */
  async function receiveBody(req: IncomingMessage, res: ServerResponse, correlationId: string, audience: Audience): Promise<Buffer | 'too large' | null> {
    receiving.add(req);
    try {
      return await readBody(req, options.maxBodyBytes, awaitingContinue.has(req) ? () => res.writeContinue() : undefined);
    } catch (error) {
      if (error instanceof PayloadTooLargeError) return 'too large';
      // Mobile clients drop connections all the time; Node's request time-out (408) ends a trickling body the same way.
      if (error instanceof ClientGoneError) {
        options.logger.info({ correlationId, audience }, 'request body not received: the client went away or the request timed out');
        return null;
      }
      throw error;
    } finally {
      receiving.delete(req);
    }
  }

  /** Serves one request; settles when the work for it is over (the edge thread frees the request's slot then). */
  const listener: EdgeRequestListener = (req, res, countedByEdge = false) => {
    const correlationId = correlationIdFrom(req.headers);
    res.setHeader('x-correlation-id', correlationId);
    res.setHeader('x-content-type-options', 'nosniff');
    // Draining: keep-alive clients reconnect, through the load balancer, to a replica that stays.
    if (options.readiness.state() === 'draining') res.setHeader('connection', 'close');
    return route(req, res, correlationId, performance.now(), countedByEdge).catch((error: unknown) => {
      options.logger.error({ err: error, correlationId }, 'request failed');
      if (!res.headersSent) sendGraphQLError(res, 500, ErrorCode.INTERNAL_SERVER_ERROR, 'Internal server error.');
      else res.destroy();
    });
  };
  const { limits } = options;
  if (options.edgeThread) {
    return createEdgeThread(listener, {
      limits,
      maxBodyBytes: options.maxBodyBytes,
      retryAfterSeconds: options.retryAfterSeconds ?? 1,
      corsOrigins: options.corsOrigins,
      audiences: options.audiences,
      guard: options.overload,
      onShed: (audience, reason) => options.onShed?.(audience, reason),
      mainThreadNice: options.mainThreadNice ?? 0,
      onNiceRefused: (error) => options.logger.warn({ err: error }, 'could not lower the other threads\' priority below the edge thread\'s: its refusals may wait for the main thread under overload'),
      ...(options.onRefused ? { onRefused: options.onRefused } : {}),
    });
  }
  const server = createServer(limits, listener);
  // `Expect: 100-continue` is answered by the listener, once it will read the body (readBody): not before a 413 or a
  // refusal, as node:http would answer it by itself. node:http decides which requests expect it (never an HTTP/1.0 one).
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    awaitingContinue.add(req);
    void listener(req, res);
  });
  server.on('clientError', answerClientErrors());
  return {
    once: (event, callback) => server.once(event, callback),
    listen: (port, host, callback) => server.listen(port, host, callback),
    address: () => server.address(),
    close: (callback) => server.close(() => callback()),
    // While draining: idle keep-alive connections, and those still sending a request body (nothing has run for it).
    closeIdleConnections() {
      server.closeIdleConnections();
      for (const req of receiving) req.socket.destroy();
    },
    closeAllConnections: () => server.closeAllConnections(),
  };
}
