import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServiceName } from '../../clients/errors.js';
import { readJson } from './body.js';
import { badRequest, HttpError, notFound } from './errors.js';
import { CallCounter, type ServiceStats } from './stats.js';

/** One request as a route handler sees it. */
export interface DemoRequest {
  readonly method: string;
  readonly path: string;
  /** Decoded `:name` segments of the route's path. */
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  /** The body parsed as JSON; see `readJson`. */
  json(): Promise<unknown>;
}

export interface Reply {
  status: number;
  body: unknown;
}

export const ok = (body: unknown): Reply => ({ status: 200, body });
export const created = (body: unknown): Reply => ({ status: 201, body });

export interface Route {
  method: 'GET' | 'POST';
  /** `/users/:id` style; a `:name` segment matches one non-empty segment. */
  path: string;
  handle(request: DemoRequest): Reply | Promise<Reply>;
}

/** What a service file declares: its routes and how its successful reads may be cached. */
export interface ServiceDefinition {
  name: ServiceName;
  /** `Cache-Control` of a 2xx GET; everything else is `no-store`. */
  cacheControl: string;
  routes: readonly Route[];
}

export interface HandlerOptions {
  /** Delay before every contract response (not `/_demo/*`); 0 means no timer at all. */
  latencyMs?: number;
}

/** A service's `node:http` request listener plus its call counters. */
export interface DemoHandler {
  readonly name: ServiceName;
  readonly listener: (req: IncomingMessage, res: ServerResponse) => void;
  stats(): ServiceStats;
  resetStats(): void;
}

export const PUBLIC_CACHE = 'public, max-age=30';
export const PRIVATE_NO_STORE = 'private, no-store';

/**
 * Builds the listener for one service: `GET /health`, the `/_demo/stats`
 * routes (not counted), the service's routes, 404 for unknown paths, 405 with
 * `Allow` for a known path with another method, and the contract's error body
 * on every failure (CONTRACT.md §1, RFC 9110 §15.5.6).
 */
export function createHandler(definition: ServiceDefinition, options: HandlerOptions = {}): DemoHandler {
  const counter = new CallCounter();
  const health: Route = { method: 'GET', path: '/health', handle: () => ok({ status: 'ok' }) };
  const routes = [health, ...definition.routes].map((route) => ({ ...route, segments: route.path.split('/') }));
  const latencyMs = options.latencyMs ?? 0;

  const dispatch = async (method: string, path: string, query: URLSearchParams, req: IncomingMessage): Promise<Reply> => {
    const segments = path.split('/');
    const allowed: string[] = [];
    for (const route of routes) {
      const params = matchSegments(route.segments, segments);
      if (params === null) continue;
      if (route.method !== method) {
        allowed.push(route.method);
        continue;
      }
      return route.handle({ method, path, params, query, headers: req.headers, json: () => readJson(req) });
    }
    throw allowed.length > 0 ? methodNotAllowed(allowed) : notFound(`no route ${method} ${path}`);
  };

  const demoRoute = (method: string, path: string): Reply => {
    if (method === 'GET' && path === '/_demo/stats') return ok({ service: definition.name, ...counter.snapshot() });
    if (method === 'POST' && path === '/_demo/stats/reset') {
      counter.reset();
      return ok({ service: definition.name, ...counter.snapshot() });
    }
    throw notFound(`no route ${method} ${path}`);
  };

  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const mark = url.indexOf('?');
    const path = mark === -1 ? url : url.slice(0, mark);
    const query = new URLSearchParams(mark === -1 ? '' : url.slice(mark + 1));
    const isDemoRoute = path.startsWith('/_demo/');
    if (!isDemoRoute) counter.count(`${method} ${path}`);

    const answer = async (): Promise<void> => {
      let reply: Reply;
      let headers: Readonly<Record<string, string>> = {};
      try {
        reply = isDemoRoute ? demoRoute(method, path) : await dispatch(method, path, query, req);
      } catch (error) {
        const failure = error instanceof HttpError ? error : new HttpError(500, 'INTERNAL', 'internal error');
        reply = { status: failure.status, body: { error: { code: failure.code, message: failure.message } } };
        headers = failure.headers;
      }
      if (latencyMs > 0 && !isDemoRoute) await sleep(latencyMs);
      const cacheable = method === 'GET' && reply.status < 300 && path !== '/health' && !isDemoRoute;
      sendJson(res, reply, { ...headers, 'cache-control': cacheable ? definition.cacheControl : 'no-store' });
    };
    // answer() handles its own failures; this only guards against a broken socket mid-write.
    answer().catch(() => res.destroy());
  };

  return { name: definition.name, listener, stats: () => counter.snapshot(), resetStats: () => counter.reset() };
}

function methodNotAllowed(allowed: readonly string[]): HttpError {
  const allow = [...new Set(allowed)].join(', ');
  return new HttpError(405, 'METHOD_NOT_ALLOWED', `method not allowed; use ${allow}`, { allow });
}

/** Route params when `pattern` matches `actual` segment for segment, else `null`. */
function matchSegments(pattern: readonly string[], actual: readonly string[]): Record<string, string> | null {
  if (pattern.length !== actual.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const expected = pattern[i];
    const segment = actual[i];
    if (expected.startsWith(':')) {
      if (segment === '') return null;
      params[expected.slice(1)] = decodeSegment(segment);
    } else if (expected !== segment) {
      return null;
    }
  }
  return params;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw badRequest('malformed percent-encoding in path');
  }
}

function sendJson(res: ServerResponse, reply: Reply, headers: Readonly<Record<string, string>>): void {
  const text = JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
