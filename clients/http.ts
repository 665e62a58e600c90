/**
 * The project's one got instance and the only module that imports got.
 * Every upstream call goes through `Http.call`: header allowlist, a total
 * deadline that covers retries, GET-only retries with a short jittered
 * backoff, our own JSON parsing and payload validation, and the mapping of
 * every failure to an `UpstreamError` (CONTRACT.md §1 and §2 "Upstream calls
 * have a deadline"; HOSTILE-INPUTS.md rows 29, 33–40).
 */
import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import got from 'got';
import type { RequestMeta } from './index.js';
import { UpstreamError, type ServiceName, type UpstreamErrorCode } from './errors.js';
import { isSafeHeaderValue, upstreamHeaders } from './headers.js';
import { codeForStatus, codeForTransportError, upstreamError } from './map-error.js';
import { isRetryableStatus, isRetryableTransportError, retryDelayMs } from './retry-policy.js';

export type HttpMethod = 'GET' | 'POST';

/** One finished logical call (retries included), for metrics and logs. */
export interface CallEvent {
  service: ServiceName;
  method: HttpMethod;
  /** The route template (`/products/{id}`), never the concrete URL: bounded label cardinality. */
  route: string;
  /** Status of the last response, when one arrived. */
  status?: number;
  /** Set when the call failed. */
  errorCode?: UpstreamErrorCode;
  attempts: number;
  durationMs: number;
}

export type CallObserver = (event: CallEvent) => void;

export interface HttpOptions {
  /** Total deadline of one logical call, retries and backoff included. Default 5000. */
  timeoutMs?: number;
  /** Extra attempts of a GET after a connection error or 502/503/504. Default 2. */
  retries?: number;
  /** Sockets per upstream host. Default 64. */
  maxSockets?: number;
  /** Connect phase limit per attempt, so a black-holed host leaves time for a retry. Default 1000. */
  connectTimeoutMs?: number;
  /** Larger bodies are aborted as malformed. Default 8 MiB. */
  maxResponseBytes?: number;
  onCall?: CallObserver;
}

export interface HttpCall<T> {
  service: ServiceName;
  method: HttpMethod;
  /** Absolute URL, already encoded. */
  url: string;
  route: string;
  meta: RequestMeta;
  /** Sent as JSON. */
  body?: unknown;
  /** For POST; a fresh one is generated when absent (every POST carries one). */
  idempotencyKey?: string;
  /** Validates the parsed JSON of a 2xx body; any throw means UPSTREAM_BAD_RESPONSE. */
  parse: (body: unknown) => T;
  timeoutMs?: number;
  retries?: number;
}

export interface Http {
  /** Runs one logical call; resolves the parsed 2xx body or rejects with an `UpstreamError`. */
  call<T>(call: HttpCall<T>): Promise<T>;
  /** Destroys the keep-alive agents. */
  close(): void;
}

const USER_AGENT = 'bff-gateway';

type Outcome =
  | { kind: 'response'; status: number; text: string; retryAfter: string | undefined }
  | { kind: 'error'; error: unknown }
  | { kind: 'too-large' };

/**
 * Builds the got instance and keep-alive agents once per process. Retries are
 * ours, not got's: got's retry honours Retry-After and knows nothing of a
 * total deadline, and its per-attempt timeouts cannot bound the whole call.
 */
export function createHttp(options: HttpOptions = {}): Http {
  // A NaN or negative setting would mean "retry until the deadline" or "time out at once".
  const setting = (value: number | undefined, fallback: number) =>
    value !== undefined && Number.isFinite(value) && value >= 0 ? value : fallback;
  const defaultTimeoutMs = setting(options.timeoutMs, 5000);
  const defaultRetries = Math.floor(setting(options.retries, 2));
  const connectTimeoutMs = options.connectTimeoutMs ?? 1000;
  const maxResponseBytes = options.maxResponseBytes ?? 8 * 1024 * 1024;
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 64, scheduling: 'lifo' as const };
  const agent = { http: new http.Agent(agentOptions), https: new https.Agent(agentOptions) };
  const instance = got.extend({
    agent,
    http2: false,
    retry: { limit: 0 },
    throwHttpErrors: false,
    // Redirects could carry our headers to another origin; the contract has none.
    followRedirect: false,
    // Text, parsed by us: a non-JSON 200 becomes UPSTREAM_BAD_RESPONSE without echoing the body.
    responseType: 'text',
    headers: { 'user-agent': USER_AGENT, accept: 'application/json' },
  });

  async function send(call: HttpCall<unknown>, headers: Record<string, string>, payload: string | undefined, signal: AbortSignal, remainingMs: number): Promise<Outcome> {
    let tooLarge = false;
    const request = instance(call.url, {
      method: call.method,
      headers,
      ...(payload === undefined ? {} : { body: payload }),
      signal,
      timeout: { connect: Math.max(1, Math.min(connectTimeoutMs, remainingMs)) },
    });
    request.on('downloadProgress', (progress) => {
      if (progress.transferred > maxResponseBytes || (progress.total ?? 0) > maxResponseBytes) {
        tooLarge = true;
        request.cancel();
      }
    });
    try {
      const response = await request;
      const retryAfter = response.headers['retry-after'];
      return { kind: 'response', status: response.statusCode, text: response.body, retryAfter };
    } catch (error) {
      return tooLarge ? { kind: 'too-large' } : { kind: 'error', error };
    }
  }

  /** Mutated by `run` so the caller can report it whether `run` resolved or threw. */
  interface Progress {
    status: number | undefined;
    attempts: number;
  }

  async function run<T>(call: HttpCall<T>, progress: Progress, started: number): Promise<T> {
    const deadlineMs = setting(call.timeoutMs, defaultTimeoutMs);
    const maxRetries = call.method === 'GET' ? Math.floor(setting(call.retries, defaultRetries)) : 0;
    if (call.idempotencyKey !== undefined && !isSafeHeaderValue(call.idempotencyKey)) {
      // The caller's key comes from client input; one Node would refuse to send is the caller's mistake.
      throw upstreamError('BAD_USER_INPUT', call.service, undefined, new Error('unsendable Idempotency-Key'));
    }
    const payload = call.body === undefined ? undefined : JSON.stringify(call.body);
    const headers = upstreamHeaders(call.meta, call.method, call.idempotencyKey, payload !== undefined);
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), deadlineMs);
    try {
      for (;;) {
        progress.attempts += 1;
        const outcome = await send(call, headers, payload, deadline.signal, deadlineMs - (performance.now() - started));
        // A response that made it before the deadline is still used; only a cut-off attempt is a timeout.
        if (outcome.kind === 'error' && deadline.signal.aborted) {
          throw upstreamError('UPSTREAM_TIMEOUT', call.service, progress.status, outcome.error);
        }
        if (outcome.kind === 'too-large') {
          throw upstreamError('UPSTREAM_BAD_RESPONSE', call.service, progress.status, new Error('response body too large'));
        }
        let failure: UpstreamError;
        let retryable: boolean;
        let retryAfter: string | undefined;
        if (outcome.kind === 'error') {
          failure = upstreamError(codeForTransportError(outcome.error), call.service, undefined, outcome.error);
          retryable = isRetryableTransportError(outcome.error);
        } else {
          progress.status = outcome.status;
          if (outcome.status >= 200 && outcome.status < 300) return parseBody(call, outcome.status, outcome.text);
          // The upstream body is never read for errors: it must not reach a client.
          const cause = new Error(`upstream answered HTTP ${outcome.status}`);
          failure = upstreamError(codeForStatus(outcome.status), call.service, outcome.status, cause);
          retryable = isRetryableStatus(outcome.status);
          retryAfter = outcome.retryAfter;
        }
        if (!retryable || progress.attempts > maxRetries) throw failure;
        const waitMs = retryDelayMs(retryAfter, performance.now() - started, deadlineMs);
        if (waitMs === undefined) throw failure;
        await sleep(waitMs, undefined, { signal: deadline.signal }).catch((abort: unknown) => {
          throw upstreamError('UPSTREAM_TIMEOUT', call.service, progress.status, abort);
        });
      }
    } finally {
      clearTimeout(timer);
    }
  }

  function report(call: HttpCall<unknown>, progress: Progress, started: number, errorCode: UpstreamErrorCode | undefined): void {
    if (!options.onCall) return;
    const event: CallEvent = {
      service: call.service,
      method: call.method,
      route: call.route,
      attempts: progress.attempts,
      durationMs: performance.now() - started,
    };
    if (progress.status !== undefined) event.status = progress.status;
    if (errorCode !== undefined) event.errorCode = errorCode;
    try {
      options.onCall(event);
    } catch {
      // An observer (metrics) must never fail a call.
    }
  }

  return {
    async call<T>(call: HttpCall<T>): Promise<T> {
      const started = performance.now();
      const progress: Progress = { status: undefined, attempts: 0 };
      try {
        const value = await run(call, progress, started);
        report(call, progress, started, undefined);
        return value;
      } catch (error) {
        // Callers rely on every rejection being an UpstreamError; anything else is a local fault.
        const failure = error instanceof UpstreamError ? error : upstreamError('UPSTREAM_UNAVAILABLE', call.service, progress.status, error);
        report(call, progress, started, failure.code);
        throw failure;
      }
    },
    close(): void {
      agent.http.destroy();
      agent.https.destroy();
    },
  };
}

function parseBody<T>(call: HttpCall<T>, status: number, text: string): T {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // Not the SyntaxError itself: V8 quotes the body in its message.
    throw upstreamError('UPSTREAM_BAD_RESPONSE', call.service, status, new Error('response body is not JSON'));
  }
  try {
    return call.parse(json);
  } catch (error) {
    throw upstreamError('UPSTREAM_BAD_RESPONSE', call.service, status, error);
  }
}
