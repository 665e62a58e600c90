/**
 * The project's one got instance and the only module that imports got.
 * Every upstream call goes through `Http.call`: header allowlist, a total
 * deadline that covers retries and fits inside the operation's deadline,
 * GET-only retries with a short jittered backoff within a per-service retry
 * budget, a per-service circuit breaker, our own JSON parsing and payload
 * validation, and the mapping of every failure to an `UpstreamError`
 * (CONTRACT.md §1 and §2 "Upstream calls have a deadline"; HOSTILE-INPUTS.md
 * rows 29, 33–40).
 */
import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import got from 'got';
import type { AttemptVerdict } from './circuit-breaker.js';
import { UpstreamError, type UpstreamErrorCode } from './errors.js';
import { isSafeHeaderValue, upstreamHeaders } from './headers.js';
import type { CallEvent, Http, HttpCall, HttpOptions, UpstreamResponse } from './http-types.js';
import { codeForStatus, codeForTransportError, upstreamError } from './map-error.js';
import { isRetryableStatus, isRetryableTransportError, MIN_ATTEMPT_MS, retryDelayMs } from './retry-policy.js';
import { createServiceGuards } from './service-guards.js';

export type { CallEvent, CallObserver, Http, HttpCall, HttpMethod, HttpOptions, UpstreamResponse } from './http-types.js';

const USER_AGENT = 'bff-gateway';

type Outcome =
  | { kind: 'response'; status: number; text: string; headers: UpstreamResponse['headers'] }
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
  const guards = createServiceGuards(options);
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
      return { kind: 'response', status: response.statusCode, text: response.body, headers: response.headers };
    } catch (error) {
      return tooLarge ? { kind: 'too-large' } : { kind: 'error', error };
    }
  }

  /** Mutated by `run` so the caller can report it whether `run` resolved or threw. */
  interface Progress {
    status: number | undefined;
    attempts: number;
    circuitOpen: boolean;
  }

  /**
   * The time this call may take: its own timeout, shrunk to what is left of
   * the operation's deadline (`meta.deadline`), so a second level of calls
   * after a slow first one cannot push the response past it.
   */
  function budgetMs(call: HttpCall<unknown>, started: number): number {
    const own = setting(call.timeoutMs, defaultTimeoutMs);
    const deadline = call.meta.deadline;
    return deadline === undefined ? own : Math.min(own, deadline - started);
  }

  async function run<T>(call: HttpCall<T>, progress: Progress, started: number): Promise<T> {
    const deadlineMs = budgetMs(call, started);
    const maxRetries = call.method === 'GET' ? Math.floor(setting(call.retries, defaultRetries)) : 0;
    const breaker = call.guarded === false ? undefined : guards.breaker(call.service);
    const budget = call.guarded === false || maxRetries === 0 ? undefined : guards.budget(call.service);
    if (call.idempotencyKey !== undefined && !isSafeHeaderValue(call.idempotencyKey)) {
      // The caller's key comes from client input; one Node would refuse to send is the caller's mistake.
      throw upstreamError('BAD_USER_INPUT', call.service, undefined, new Error('unsendable Idempotency-Key'));
    }
    if (deadlineMs < MIN_ATTEMPT_MS) {
      // The operation's deadline is (nearly) spent: an attempt could only be cut off.
      throw upstreamError('UPSTREAM_TIMEOUT', call.service, undefined, new Error('operation deadline spent'));
    }
    budget?.deposit();
    const payload = call.body === undefined ? undefined : JSON.stringify(call.body);
    const headers = upstreamHeaders(call.meta, call.method, call.idempotencyKey, payload !== undefined);
    if (call.trace) Object.assign(headers, call.trace.headers);
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), deadlineMs);
    let failure: UpstreamError | undefined;
    try {
      for (;;) {
        const permit = breaker?.acquire();
        if (breaker && !permit) {
          progress.circuitOpen = true;
          call.trace?.circuitOpen();
          throw failure ?? upstreamError('UPSTREAM_UNAVAILABLE', call.service, undefined, new Error('circuit open'));
        }
        progress.attempts += 1;
        let outcome: Outcome = { kind: 'error', error: new Error('attempt did not finish') };
        try {
          outcome = await send(call, headers, payload, deadline.signal, deadlineMs - (performance.now() - started));
        } finally {
          permit?.report(verdictOf(outcome));
        }
        // A response that made it before the deadline is still used; only a cut-off attempt is a timeout.
        if (outcome.kind === 'error' && deadline.signal.aborted) {
          throw upstreamError('UPSTREAM_TIMEOUT', call.service, progress.status, outcome.error);
        }
        if (outcome.kind === 'too-large') {
          throw upstreamError('UPSTREAM_BAD_RESPONSE', call.service, progress.status, new Error('response body too large'));
        }
        let retryable: boolean;
        let retryAfter: string | undefined;
        if (outcome.kind === 'error') {
          failure = upstreamError(codeForTransportError(outcome.error), call.service, undefined, outcome.error);
          retryable = isRetryableTransportError(outcome.error);
        } else {
          progress.status = outcome.status;
          if (outcome.status >= 200 && outcome.status < 300) {
            const value = parseBody(call, outcome.status, outcome.text);
            call.onResponse?.({ text: outcome.text, headers: outcome.headers });
            return value;
          }
          // The upstream body is never read for errors: it must not reach a client.
          const cause = new Error(`upstream answered HTTP ${outcome.status}`);
          failure = upstreamError(codeForStatus(outcome.status), call.service, outcome.status, cause);
          retryable = isRetryableStatus(outcome.status);
          const header = outcome.headers['retry-after'];
          retryAfter = Array.isArray(header) ? header[0] : header;
        }
        if (!retryable || progress.attempts > maxRetries) throw failure;
        const waitMs = retryDelayMs(retryAfter, performance.now() - started, deadlineMs);
        // The budget is asked last, so a retry that would not happen anyway does not spend it.
        if (waitMs === undefined || (budget && !budget.withdraw())) throw failure;
        call.trace?.retry(progress.attempts + 1, waitMs, outcome.kind === 'response' ? String(outcome.status) : failure.code);
        await sleep(waitMs, undefined, { signal: deadline.signal }).catch((abort: unknown) => {
          throw upstreamError('UPSTREAM_TIMEOUT', call.service, progress.status, abort);
        });
      }
    } finally {
      clearTimeout(timer);
    }
  }

  function report(call: HttpCall<unknown>, progress: Progress, started: number, errorCode: UpstreamErrorCode | undefined): void {
    if (!options.onCall && !call.meta.onCall && !call.trace) return;
    const event: CallEvent = {
      service: call.service,
      method: call.method,
      route: call.route,
      attempts: progress.attempts,
      durationMs: performance.now() - started,
    };
    if (progress.status !== undefined) event.status = progress.status;
    if (progress.circuitOpen) event.circuitOpen = true;
    if (errorCode !== undefined) event.errorCode = errorCode;
    call.trace?.settle(event);
    for (const observer of [options.onCall, call.meta.onCall]) {
      try {
        observer?.(event);
      } catch {
        // An observer (metrics, the request log) must never fail a call.
      }
    }
  }

  return {
    async call<T>(call: HttpCall<T>): Promise<T> {
      const started = performance.now();
      const progress: Progress = { status: undefined, attempts: 0, circuitOpen: false };
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
    circuits: () => guards.circuits(),
    close(): void {
      agent.http.destroy();
      agent.https.destroy();
    },
  };
}

/** A 5xx or no usable answer counts against the service; any other answer shows it is up. */
function verdictOf(outcome: Outcome): AttemptVerdict {
  if (outcome.kind === 'error') return 'failure';
  return outcome.kind === 'response' && outcome.status >= 500 ? 'failure' : 'success';
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
