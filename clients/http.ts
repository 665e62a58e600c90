/**
 * `Http.call`, the one way an upstream call is made: header allowlist, a
 * total deadline that covers retries and fits inside the operation's
 * deadline, GET-only retries with a short jittered backoff within a
 * per-service retry budget, a per-service circuit breaker, our own JSON
 * parsing and payload validation, and the mapping of every failure to an
 * `UpstreamError` (CONTRACT.md §1 and §2 "Upstream calls have a deadline";
 * HOSTILE-INPUTS.md rows 29, 33–40). The bytes move through
 * `clients/transport.ts` (undici).
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { callStartOf, quietly, startTrace, type CallTrace, type RetryInfo } from './call-tracer.js';
import type { AttemptVerdict } from './circuit-breaker.js';
import { SERVICE_NAMES, UpstreamError, type ServiceName } from './errors.js';
import { isSafeHeaderValue, traceHeaders, upstreamHeaders } from './headers.js';
import { DEFAULT_CONNECTION_MAX_AGE_MS, DEFAULT_MAX_RESPONSE_BYTES, type CallEvent, type Http, type HttpCall, type HttpOptions } from './http-types.js';
import type { RequestMeta } from './index.js';
import { codeForStatus, codeForTransportError, failureReason, upstreamError } from './map-error.js';
import { isLocalTransportError, isRetryableStatus, isRetryableTransportError, MIN_ATTEMPT_MS, retryDelayMs } from './retry-policy.js';
import { createServiceGuards } from './service-guards.js';
import { createTransport, type Attempt, type Deadline, type Outcome, type Transport, type TransportOptions } from './transport.js';

export type { CallEvent, CallObserver, Http, HttpCall, HttpMethod, HttpOptions, UpstreamResponse } from './http-types.js';

/**
 * Sent on every call; the per-call allowlisted headers follow. `identity`:
 * without an Accept-Encoding any content coding is acceptable (RFC 9110
 * §12.5.3), and the transport decodes none.
 */
const DEFAULT_HEADERS = ['user-agent', 'bff-gateway', 'accept', 'application/json', 'accept-encoding', 'identity'];

/** A request's GET headers, by its `RequestMeta`: every GET of one request sends the same, so they are worked out once. */
const getHeadersByRequest = new WeakMap<RequestMeta, readonly string[]>();

function headerList(allowed: Record<string, string>): string[] {
  const headers = [...DEFAULT_HEADERS];
  for (const name in allowed) headers.push(name, allowed[name]!);
  return headers;
}

/** The flat header list of one call (never changed once built: a tracer's headers go on a copy). */
function headersFor(call: HttpCall<unknown>, hasBody: boolean): readonly string[] {
  if (call.method !== 'GET' || hasBody) return headerList(upstreamHeaders(call.meta, call.method, call.idempotencyKey, hasBody));
  let headers = getHeadersByRequest.get(call.meta);
  if (!headers) {
    headers = headerList(upstreamHeaders(call.meta, 'GET', undefined, false));
    getHeadersByRequest.set(call.meta, headers);
  }
  return headers;
}

/**
 * Builds the transports once per process: one per service, each with a
 * keep-alive pool per upstream origin, so services behind one origin (an
 * ingress routing by path) do not share sockets and a slow one cannot queue
 * the others' calls (a bulkhead, as its circuit and retry budget are). Retries
 * are ours, not the HTTP library's: they must honour the retry budget, the
 * circuit and a total deadline, and ignore long Retry-After.
 */
export function createHttp(options: HttpOptions = {}): Http {
  // A NaN or negative setting would mean "retry until the deadline" or "time out at once".
  const setting = (value: number | undefined, fallback: number) =>
    value !== undefined && Number.isFinite(value) && value >= 0 ? value : fallback;
  const defaultTimeoutMs = setting(options.timeoutMs, 5000);
  const defaultRetries = Math.floor(setting(options.retries, 2));
  const guards = createServiceGuards(options);
  const transportOptions: TransportOptions = {
    connections: options.maxSockets ?? 64,
    connectTimeoutMs: options.connectTimeoutMs ?? 1000,
    maxResponseBytes: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
    connectionMaxAgeMs: options.connectionMaxAgeMs ?? DEFAULT_CONNECTION_MAX_AGE_MS,
    proxy: options.proxy,
  };
  // Made now, not at a service's first call: `close` closes them all, and a call made after it (an operation still
  // running when the drain ended) fails instead of opening a pool nothing would close.
  const transports = new Map<ServiceName, Transport>(SERVICE_NAMES.map((service) => [service, createTransport(transportOptions)]));

  /** Mutated by `run` so the caller can report it whether `run` resolved or threw. */
  interface Progress {
    status: number | undefined;
    attempts: number;
    circuitOpen: boolean;
    /** The request's tracer's view of this call, when it follows it. */
    trace: CallTrace | undefined;
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
    if (call.meta.abandoned) throw upstreamError('UPSTREAM_UNAVAILABLE', call.service, undefined, new Error('the client has gone'));
    const deadlineMs = budgetMs(call, started);
    // A POST carries its Idempotency-Key, so sending it again cannot place a second order: it gets one more try
    // when the connection failed (a keep-alive socket the service had just closed, a refused connect), never
    // after an answer (a 503 may have been processed: HOSTILE-INPUTS #35).
    const maxRetries = call.method === 'GET' ? Math.floor(setting(call.retries, defaultRetries)) : call.idempotencyKey !== undefined ? 1 : 0;
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
    const attempt = { method: call.method, url: call.url, headers: headersFor(call, payload !== undefined), body: payload };
    // One timer per logical call, whatever the number of attempts; whole
    // milliseconds, so concurrent calls share Node's timer lists.
    const deadline: Deadline = { expired: false, cut: undefined };
    const timer = setTimeout(() => {
      deadline.expired = true;
      deadline.cut?.();
    }, Math.ceil(deadlineMs));
    let failure: UpstreamError | undefined;
    try {
      for (;;) {
        const permit = breaker?.acquire();
        if (breaker && !permit) {
          progress.circuitOpen = true;
          throw failure ?? upstreamError('UPSTREAM_UNAVAILABLE', call.service, undefined, new Error('circuit open'));
        }
        progress.attempts += 1;
        // Unset while the attempt runs: one that throws counts as a failure (no placeholder Error: its stack costs µs per call).
        let outcome: Outcome | undefined;
        try {
          outcome = await transports.get(call.service)!.send(progress.trace ? traced(attempt, progress.trace, progress.attempts) : attempt, deadline);
        } finally {
          permit?.report(outcome === undefined ? 'failure' : verdictOf(outcome));
        }
        // A response that made it before the deadline is still used; only a cut-off attempt is a timeout.
        if (outcome.kind === 'deadline') {
          throw upstreamError('UPSTREAM_TIMEOUT', call.service, progress.status, new Error('call deadline reached'));
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
          retryable = call.method === 'GET' && isRetryableStatus(outcome.status);
          const header = outcome.headers['retry-after'];
          retryAfter = Array.isArray(header) ? header[0] : header;
        }
        if (!retryable || progress.attempts > maxRetries) throw failure;
        const waitMs = retryDelayMs(retryAfter, performance.now() - started, deadlineMs);
        // The budget is asked last, so a retry that would not happen anyway does not spend it.
        if (waitMs === undefined || call.meta.abandoned || (budget && !budget.withdraw())) throw failure;
        const { trace } = progress;
        if (trace?.retry) {
          const info: RetryInfo = { attempt: progress.attempts, errorCode: failure.code, waitMs };
          if (failure.status !== undefined) info.status = failure.status;
          quietly(() => trace.retry?.(info));
        }
        // retryDelayMs leaves room for an attempt after the wait: the deadline cannot fire during it.
        await sleep(waitMs);
      }
    } finally {
      clearTimeout(timer);
    }
  }

  function report(call: HttpCall<unknown>, progress: Progress, started: number, failure: UpstreamError | undefined): void {
    const { trace } = progress;
    if (!options.onCall && !call.meta.onCall && !trace) return;
    const event: CallEvent = {
      service: call.service,
      method: call.method,
      route: call.route,
      attempts: progress.attempts,
      durationMs: performance.now() - started,
    };
    if (progress.status !== undefined) event.status = progress.status;
    if (progress.circuitOpen) event.circuitOpen = true;
    if (call.meta.abandoned && progress.attempts === 0) event.abandoned = true;
    if (failure !== undefined) {
      event.errorCode = failure.code;
      event.reason = failureReason(failure);
    }
    // An observer (metrics, the request log, tracing) must never fail a call.
    if (options.onCall) quietly(() => options.onCall?.(event));
    if (call.meta.onCall) quietly(() => call.meta.onCall?.(event));
    if (trace) quietly(() => trace.end(event));
  }

  return {
    async call<T>(call: HttpCall<T>): Promise<T> {
      const started = performance.now();
      const trace = call.trace ?? (call.meta.tracer ? startTrace(call.meta.tracer, callStartOf(call)) : undefined);
      const progress: Progress = { status: undefined, attempts: 0, circuitOpen: false, trace };
      try {
        const value = await run(call, progress, started);
        report(call, progress, started, undefined);
        return value;
      } catch (error) {
        // Callers rely on every rejection being an UpstreamError; anything else is a local fault.
        const failure = error instanceof UpstreamError ? error : upstreamError('UPSTREAM_UNAVAILABLE', call.service, progress.status, error);
        report(call, progress, started, failure);
        throw failure;
      }
    },
    circuits: () => guards.circuits(),
    close(): void {
      for (const transport of transports.values()) transport.close();
    },
  };
}

/** The attempt with the headers the tracer adds to it (checked by `traceHeaders`). */
function traced(attempt: Attempt, trace: CallTrace, number: number): Attempt {
  const requested = trace.attempt ? quietly(() => trace.attempt?.(number)) : undefined;
  if (requested === undefined) return attempt;
  return { ...attempt, headers: attempt.headers.concat(traceHeaders(requested)) };
}

/** A 5xx or no usable answer counts against the service; any other answer shows it is up. */
function verdictOf(outcome: Outcome): AttemptVerdict {
  if (outcome.kind === 'response') return outcome.status >= 500 ? 'failure' : 'success';
  if (outcome.kind === 'error' && isLocalTransportError(outcome.error)) return 'local';
  // An oversized body still shows the service answered.
  return outcome.kind === 'too-large' ? 'success' : 'failure';
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
