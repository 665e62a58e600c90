/**
 * The HTTP engine under `Http.call`, and the only module that imports undici.
 * One undici `Agent` per transport (`clients/http.ts` makes one per
 * service), which keeps one keep-alive pool per upstream origin (with an
 * egress proxy, each origin's route through it; `createEgressFetch` gives
 * other outbound calls the same routes). Each attempt is dispatched with a
 * small handler of ours instead of `request()`: no body stream, no promise
 * per chunk, no AbortController; the body is counted in bytes as it arrives and the
 * attempt is cut off (socket dropped, nothing more read) past the size limit
 * or when the call's deadline fires. Why undici and not got: README "Choices
 * worth knowing" (≈ 400 µs of CPU per call through got, ≈ 60 through undici).
 */
import { Agent, fetch as undiciFetch, Pool, ProxyAgent, type Dispatcher } from 'undici';
import { proxyChooser, type EgressFetch, type EgressProxy } from './egress-proxy.js';
import type { UpstreamResponse } from './http-types.js';

/** What one attempt came to. */
export type Outcome =
  | { kind: 'response'; status: number; text: string; headers: UpstreamResponse['headers'] }
  | { kind: 'error'; error: unknown }
  | { kind: 'too-large' }
  | { kind: 'deadline' };

/**
 * One logical call's deadline, shared by its attempts: a plain object set by
 * one timer per call (an AbortController per call costs 18–42 µs of CPU by
 * itself). `cut` is the running attempt's way to stop, when one is running.
 */
export interface Deadline {
  expired: boolean;
  cut: (() => void) | undefined;
}

export interface Attempt {
  method: 'GET' | 'POST';
  /** Absolute, already-encoded URL. */
  url: string;
  /** Name/value pairs, flat: undici's cheapest header form. Shared between calls: never written to. */
  headers: readonly string[];
  body: string | undefined;
}

export interface TransportOptions {
  /** Sockets per upstream origin. */
  connections: number;
  /** Connect phase limit, per attempt; fixed per Agent in undici. */
  connectTimeoutMs: number;
  maxResponseBytes: number;
  /**
   * A connection older than this is closed once its current request is over,
   * and the next one connects anew (its host name resolved again). 0: never.
   */
  connectionMaxAgeMs: number;
  /** Where `HTTP_PROXY` / `HTTPS_PROXY` / `NO_PROXY` send each origin's calls; absent: every origin direct. */
  proxy?: EgressProxy | undefined;
}

export interface Transport {
  /** Sends one attempt; never rejects: every failure is an `Outcome`. */
  send(attempt: Attempt, deadline: Deadline): Promise<Outcome>;
  /** Closes every pooled socket at once (in-flight attempts fail). */
  close(): void;
}

/**
 * A transport failure in the vocabulary `retry-policy.ts` and `map-error.ts`
 * speak (Node's socket codes; `TimeoutError` with the phase in `event`), so
 * those policies know nothing of undici. The original error is the `cause`.
 */
export class TransportError extends Error {
  constructor(
    override readonly name: 'RequestError' | 'TimeoutError',
    readonly code: string,
    readonly event: 'connect' | 'request' | undefined,
    cause: unknown,
  ) {
    super(`upstream transport failure: ${code}`, { cause });
  }
}

/**
 * Maps undici's errors to the policy's codes: `UND_ERR_SOCKET` (the other
 * side closed the socket, with or without a response under way) is a reset
 * and stays retryable for a GET; a connect timeout is retryable, a headers or
 * body timeout is not. Node's own socket errors (`ECONNREFUSED`…) keep their code.
 */
export function transportError(error: unknown): TransportError {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  switch (code) {
    case 'UND_ERR_SOCKET':
    case 'EPIPE':
      return new TransportError('RequestError', 'ECONNRESET', undefined, error);
    case 'UND_ERR_CONNECT_TIMEOUT':
      return new TransportError('TimeoutError', 'ETIMEDOUT', 'connect', error);
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return new TransportError('TimeoutError', 'ETIMEDOUT', 'request', error);
    case 'UND_ERR_ABORTED':
      // The egress proxy refused the tunnel (a 403 from its rules, a 407, a 502 when it could not connect).
      if (error instanceof Error && error.message.startsWith('Proxy response')) return new TransportError('RequestError', 'EPROXY', 'connect', error);
      return new TransportError('RequestError', 'UND_ERR_ABORTED', undefined, error);
    default:
      return new TransportError('RequestError', typeof code === 'string' ? code : 'EUNKNOWN', undefined, error);
  }
}

class TooLarge extends Error {}
class DeadlineReached extends Error {}

/** Splits an absolute URL into undici's `origin` and `path` without a `URL` object per call. */
function splitUrl(url: string): { origin: string; path: string } {
  const authority = url.indexOf('//') + 2;
  let end = authority;
  while (end < url.length && url[end] !== '/' && url[end] !== '?' && url[end] !== '#') end++;
  const path = url.slice(end);
  return { origin: url.slice(0, end), path: path === '' || path[0] !== '/' ? '/' + path : path };
}

/**
 * Receives one attempt's response: keeps the status and headers, collects
 * body chunks up to `limit` bytes, and settles exactly once.
 */
class AttemptHandler implements Dispatcher.DispatchHandler {
  private status = 0;
  private headers: UpstreamResponse['headers'] = {};
  private readonly chunks: Buffer[] = [];
  private bytes = 0;
  private controller: Dispatcher.DispatchController | undefined;
  private done = false;

  constructor(
    private readonly limit: number,
    private readonly deadline: Deadline,
    private readonly settle: (outcome: Outcome) => void,
  ) {
    deadline.cut = () => this.cut();
  }

  /** The deadline fired: answer now, and drop the socket if the attempt is on one. */
  private cut(): void {
    this.finish({ kind: 'deadline' });
    this.controller?.abort(new DeadlineReached('deadline'));
  }

  private finish(outcome: Outcome): void {
    if (this.done) return;
    this.done = true;
    this.deadline.cut = undefined;
    this.settle(outcome);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    // The deadline fired while the attempt waited for a socket.
    if (this.done) controller.abort(new DeadlineReached('deadline'));
  }

  onResponseStart(controller: Dispatcher.DispatchController, status: number, headers: UpstreamResponse['headers']): void {
    // An informational response (1xx) comes before the answer; its headers say nothing of the body.
    if (status < 200) return;
    this.status = status;
    this.headers = headers;
    const length = Number(headers['content-length']);
    if (length > this.limit) {
      this.finish({ kind: 'too-large' });
      controller.abort(new TooLarge('too large'));
    }
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.done) return;
    this.bytes += chunk.length;
    if (this.bytes > this.limit) {
      // Cut off at once: the rest is never read, the socket is dropped.
      this.finish({ kind: 'too-large' });
      controller.abort(new TooLarge('too large'));
      return;
    }
    this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    const body = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.bytes);
    this.finish({ kind: 'response', status: this.status, headers: this.headers, text: body.toString('utf8') });
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.finish({ kind: 'error', error: transportError(error) });
  }
}

/** How one origin's attempts are dispatched: straight to it, or as absolute-form requests to a forward proxy. */
interface Route {
  dispatcher: Dispatcher;
  /** Forward-proxy form: the proxy's origin, and the headers naming the target (`host`, `proxy-authorization`). */
  forward?: { origin: string; headers: readonly string[] };
}

/**
 * `Proxy-Authorization` for a proxy URL holding a user or password (RFC 9110 §11.7.1, Basic), else null. Given to
 * undici's `ProxyAgent` as its `token` too: by itself it sends one only when the URL has both, so a user alone
 * (a token as the user name) reached a CONNECT proxy without it, and the forwarded `http://` calls with it.
 */
function proxyAuthorization(proxy: URL): string | null {
  if (proxy.username === '' && proxy.password === '') return null;
  const credentials = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
  return `Basic ${Buffer.from(credentials).toString('base64')}`;
}

/** undici `ProxyAgent` options naming the proxy at `via` and its credentials. */
function proxyAgentOptions(via: string): { uri: string; token?: string } {
  const token = proxyAuthorization(new URL(via));
  return token === null ? { uri: via } : { uri: via, token };
}

/**
 * Builds one Agent (a keep-alive pool per origin) and the attempt sender
 * over it. With an egress proxy, each origin's route is decided once:
 * `http://` upstreams are sent to the proxy as absolute-form
 * requests (RFC 9112 §3.2.2; a proxy that allows CONNECT only to port 443
 * still carries them), `https://` ones through a CONNECT tunnel, so TLS and
 * its certificate check stay end to end; each keeps a pool of its own.
 */
export function createTransport(options: TransportOptions): Transport {
  const poolOptions = {
    connections: options.connections,
    // The call's own deadline timer bounds every phase (a socket timeout
    // never fires on a body that drips bytes): no second set of timers.
    headersTimeout: 0,
    bodyTimeout: 0,
    // A busy connection is otherwise never closed: a service whose name now
    // resolves to another address (a DNS cut-over, new pods behind a headless
    // service) would never see this gateway's calls move to it.
    ...(options.connectionMaxAgeMs > 0 ? { clientTtl: options.connectionMaxAgeMs } : {}),
  };
  const agent = new Agent({ ...poolOptions, connect: { timeout: options.connectTimeoutMs } });
  const dispatchers: Dispatcher[] = [agent];
  const chooser = options.proxy ? proxyChooser(options.proxy) : undefined;
  const routes = new Map<string, Route>();
  const tunnels = new Map<string, ProxyAgent>();

  function routeOf(origin: string): Route {
    let route = routes.get(origin);
    if (route) return route;
    const via = chooser?.(origin) ?? null;
    if (via === null) {
      route = { dispatcher: agent };
    } else if (origin.startsWith('https:')) {
      let tunnel = tunnels.get(via);
      if (!tunnel) {
        const connect = { timeout: options.connectTimeoutMs };
        tunnel = new ProxyAgent({ ...poolOptions, ...proxyAgentOptions(via), proxyTls: connect, requestTls: connect });
        tunnels.set(via, tunnel);
        dispatchers.push(tunnel);
      }
      route = { dispatcher: tunnel };
    } else {
      const proxy = new URL(via);
      const pool = new Pool(proxy.origin, { ...poolOptions, connect: { timeout: options.connectTimeoutMs } });
      dispatchers.push(pool);
      const authorization = proxyAuthorization(proxy);
      const headers = ['host', new URL(origin).host, ...(authorization === null ? [] : ['proxy-authorization', authorization])];
      route = { dispatcher: pool, forward: { origin: proxy.origin, headers } };
    }
    routes.set(origin, route);
    return route;
  }

  return {
    send(attempt, deadline) {
      if (deadline.expired) return Promise.resolve({ kind: 'deadline' });
      const { origin, path } = splitUrl(attempt.url);
      return new Promise<Outcome>((resolve) => {
        const handler = new AttemptHandler(options.maxResponseBytes, deadline, resolve);
        try {
          const body = attempt.body ?? null;
          // undici only reads the header list (its type asks for a mutable one).
          const headers = attempt.headers as string[];
          if (chooser === undefined) {
            agent.dispatch({ origin, path, method: attempt.method, headers, body }, handler);
            return;
          }
          const { dispatcher, forward } = routeOf(origin);
          if (forward === undefined) dispatcher.dispatch({ origin, path, method: attempt.method, headers, body }, handler);
          else dispatcher.dispatch({ origin: forward.origin, path: origin + path, method: attempt.method, headers: headers.concat(forward.headers), body }, handler);
        } catch (error) {
          // Invalid arguments (a header value undici refuses) are thrown, not reported.
          resolve({ kind: 'error', error: transportError(error) });
        }
      });
    },
    close() {
      for (const dispatcher of dispatchers) void dispatcher.destroy().catch(() => undefined);
    },
  };
}

/**
 * A `fetch` that takes the route an upstream call to the same origin would:
 * through the egress proxy (a tunnel for `https:`, absolute-form for
 * `http:`), or direct for the origins `NO_PROXY` names (on an agent of its
 * own: Node 24's `fetch` would apply its own reading of the variables).
 */
export function createEgressFetch(proxy: EgressProxy): EgressFetch {
  const choose = proxyChooser(proxy);
  const agents = new Map<string, Dispatcher>();
  return (url, init) => {
    const https = url.startsWith('https:');
    const via = choose(new URL(url).origin);
    const key = via === null ? 'direct' : `${https ? 'tunnel' : 'forward'} ${via}`;
    let dispatcher = agents.get(key);
    if (!dispatcher) {
      dispatcher = via === null ? new Agent() : new ProxyAgent({ ...proxyAgentOptions(via), proxyTunnel: https });
      agents.set(key, dispatcher);
    }
    // undici's own Headers and Response are the global ones' shape, which its types name apart.
    return undiciFetch(url, { ...(init as Parameters<typeof undiciFetch>[1]), dispatcher }) as unknown as Promise<Response>;
  };
}
