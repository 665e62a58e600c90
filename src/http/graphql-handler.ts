import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer } from '@apollo/server';
import type { Clients } from '../../clients/index.js';
import type { Authenticator } from '../auth/credentials.js';
import { CredentialCheckUnavailable, CredentialError } from '../auth/credential-error.js';
import { readDocumentId } from '../persisted/document-id-request.js';
import { upstreamConsumerId } from '../auth/consumer.js';
import { createOnce, type Audience, type Context } from '../context.js';
import { ErrorCode } from '../errors.js';
import { createLoaders } from '../loaders.js';
import type { Logger } from '../logger.js';
import { sentApp } from '../observability/app-client.js';
import type { EdgeRefusal } from '../observability/edge-refusals.js';
import { withRequestTrace, type RequestTrace } from '../observability/tracing/request-trace.js';
import { createUpstreamCallCounter, withUpstreamCallCounter } from '../observability/upstream-calls.js';
import { loggedRequests } from '../plugins/request-log.js';
import { compressedBody, type CompressionSettings } from './compression.js';
import { sendGraphQLError } from './respond.js';
import { cacheHeadersFor } from './shared-cache.js';

export interface GraphQLHandlerDeps {
  servers: ReadonlyMap<Audience, ApolloServer<Context>>;
  authenticator: Authenticator;
  clients: Clients;
  logger: Logger;
  /** A client left before its answer (`bff_client_gone_total`). */
  onClientGone?: (audience: Audience) => void;
  /** A request answered here before Apollo read it (bad JSON, bad credentials): its log line and count. */
  onRefused?: (refusal: EdgeRefusal) => void;
  /** How answers are gzip-compressed for clients that accept it; null or absent: never. */
  compression?: CompressionSettings | null;
}

export interface EdgeRequest {
  audience: Audience;
  correlationId: string;
  clientAddress: string;
  url: URL;
  /** This request's trace when tracing is on (src/observability/tracing/server-span.ts). */
  trace: RequestTrace | undefined;
  /** A POST's body, read by the edge (whole, within the size limit) before the request was admitted. */
  body: Buffer | undefined;
  /** `performance.now()` when the request arrived. */
  startedAt: number;
}

function toHeaderMap(req: IncomingMessage): HeaderMap {
  const headers = new HeaderMap();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  return headers;
}

function isJson(contentType: string | undefined): boolean {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || type.endsWith('+json');
}

/** Parses the body as Apollo expects it: JSON object/array when JSON, else the raw text (Apollo rejects it). */
function parseBody(raw: Buffer, contentType: string | undefined): { ok: true; body: unknown } | { ok: false } {
  if (!isJson(contentType)) return { ok: true, body: raw.toString('utf8') };
  try {
    return { ok: true, body: JSON.parse(raw.toString('utf8')) };
  } catch {
    return { ok: false };
  }
}

const WATCHED = Symbol('client-gone watch');
type Watched = ServerResponse & { [WATCHED]?: { clients: { abandon(): void }; audience: Audience; onGone: ((audience: Audience) => void) | undefined } };

/** A request answered before Apollo's pipeline read its operation, as the refusal recorder takes it. */
function refusal(req: IncomingMessage, edge: EdgeRequest, status: number, code: ErrorCode): EdgeRefusal {
  return { audience: edge.audience, correlationId: edge.correlationId, status, code, startedAt: edge.startedAt, app: sentApp(req.headers) };
}

/** A response closed before it finished: its client has gone, so nothing more is sent upstream for it. */
function onResponseClose(this: Watched): void {
  const watched = this[WATCHED];
  if (!watched || this.writableFinished) return;
  watched.clients.abandon();
  watched.onGone?.(watched.audience);
}

/**
 * Serves one GraphQL request the edge admitted: JSON parsing, credentials →
 * consumer (401 for bad ones), a fresh per-request context, then Apollo's
 * HTTP pipeline. Any unexpected failure is a masked 500; the process goes on.
 */
export function createGraphQLHandler(deps: GraphQLHandlerDeps) {
  return async (req: IncomingMessage, res: ServerResponse, edge: EdgeRequest): Promise<void> => {
    const server = deps.servers.get(edge.audience);
    if (!server) return sendGraphQLError(res, 404, ErrorCode.BAD_REQUEST, 'No such endpoint.');
    // Started by the edge when tracing is on: this request's spans, and its trace ids on every log line.
    const { trace } = edge;
    const logger = trace ? trace.logger(deps.logger) : deps.logger;

    let body: unknown = undefined;
    if (edge.body !== undefined) {
      const parsed = parseBody(edge.body, req.headers['content-type']);
      if (!parsed.ok) {
        deps.onRefused?.(refusal(req, edge, 400, ErrorCode.BAD_REQUEST));
        return sendGraphQLError(res, 400, ErrorCode.BAD_REQUEST, 'The request body is not valid JSON.');
      }
      body = parsed.body;
    }
    // `documentId` (the GraphQL-over-HTTP persisted documents form) read as the APQ form Apollo speaks: from here on,
    // Apollo, the trusted-documents plugin and the CDN rule see one form.
    let { search } = edge.url;
    const persisted = readDocumentId(req.method, edge.url, body);
    if (persisted !== null) {
      if (!persisted.ok) {
        deps.onRefused?.(refusal(req, edge, 400, ErrorCode.BAD_REQUEST));
        return sendGraphQLError(res, 400, ErrorCode.BAD_REQUEST, persisted.reason);
      }
      ({ body, search } = persisted);
    }

    let consumer;
    try {
      const authenticate = () => deps.authenticator.authenticate(edge.audience, req.headers, edge.clientAddress);
      consumer = await (trace ? trace.inSpan('credentials', authenticate) : authenticate());
    } catch (error) {
      if (error instanceof CredentialCheckUnavailable) {
        // The token may be valid: a 401 would sign its user out. 503 says "again shortly", as an upstream failure does.
        logger.info({ correlationId: edge.correlationId, reason: error.reason }, 'credentials not checked: JWKS unreachable');
        deps.onRefused?.(refusal(req, edge, 503, error.code));
        return sendGraphQLError(res, 503, error.code, error.message, { 'retry-after': String(error.retryAfterSeconds) });
      }
      if (!(error instanceof CredentialError)) throw error;
      logger.info({ correlationId: edge.correlationId, reason: error.reason }, 'credentials rejected');
      deps.onRefused?.(refusal(req, edge, 401, ErrorCode.UNAUTHENTICATED));
      const challenge = error.scheme === 'Bearer' ? 'Bearer error="invalid_token"' : 'ApiKey';
      return sendGraphQLError(res, 401, ErrorCode.UNAUTHENTICATED, error.message, {
        'www-authenticate': challenge,
      });
    }

    // The context Apollo had built, if it did: a request it refuses before its pipeline (a CSRF-prevented one, before
    // the context; a batch, after it) never reaches the request-log and metrics plugins, so it is recorded here.
    let made: Context | undefined;
    const response = await server.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? 'GET', headers: toHeaderMap(req), search, body },
      context: async (): Promise<Context> => {
        // Counts this request's upstream calls for its log line (src/plugins/request-log.ts).
        const upstreamCalls = createUpstreamCallCounter();
        const clients = deps.clients.forRequest({
          correlationId: edge.correlationId,
          consumerId: upstreamConsumerId(consumer),
          onCall: upstreamCalls.observe,
          tracer: trace?.calls,
        });
        // A client that leaves before its answer: no further call is sent for it (the work in hand finishes).
        // One shared listener reading the request's state off the response: no closure per request.
        (res as Watched)[WATCHED] = { clients, audience: edge.audience, onGone: deps.onClientGone };
        res.on('close', onResponseClose);
        const context = withUpstreamCallCounter<Context>({
          audience: edge.audience,
          consumer,
          correlationId: edge.correlationId,
          clients,
          loaders: createLoaders(clients, consumer.tier),
          logger,
          once: createOnce(),
        }, upstreamCalls);
        made = withRequestTrace(context, trace);
        return made;
      },
    });

    if (made === undefined || !loggedRequests.has(made.clients)) {
      deps.onRefused?.(refusal(req, edge, response.status ?? 400, ErrorCode.BAD_REQUEST));
    }
    if (res.destroyed) {
      // The client left while its operation ran: the work is done (its slot was held for it), the answer has nowhere to go.
      logger.info({ correlationId: edge.correlationId, audience: edge.audience, status: response.status ?? 200 }, 'client went away before its answer');
      return;
    }
    for (const [name, value] of response.headers) res.setHeader(name, value);
    res.statusCode = response.status ?? 200;
    const text = response.body.kind === 'complete' ? response.body.string : undefined;
    const cacheHeaders = cacheHeadersFor(req.method, search, consumer, res.statusCode, text);
    for (const [name, value] of Object.entries(cacheHeaders)) res.setHeader(name, value);
    // An answer a CDN may share carries no correlation id: every hit would repeat the one (caller-chosen) of the
    // request that filled the cache. The request's log line still has it.
    if (cacheHeaders['cache-control'] !== 'no-store') res.removeHeader('x-correlation-id');
    if (response.body.kind === 'complete') {
      const { compression } = deps;
      const payload = compression ? compressedBody(res, req.headers['accept-encoding'], response.body.string, compression) : response.body.string;
      // Its length, as the edge thread gives it: node:http adds it to an HTTP/1.1 answer itself, but none to an HTTP/1.0
      // one (nginx's default upstream protocol), whose answer would then end only with its connection.
      if (req.httpVersionMinor === 0) res.setHeader('content-length', Buffer.byteLength(payload));
      res.end(payload);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  };
}
