/**
 * The HTTP engine under `Http.call`, and the only module that imports undici.
 * One undici `Agent` per process, which keeps one keep-alive pool per
 * upstream origin. Each attempt is dispatched with a small handler of ours
 * instead of `request()`: no body stream, no promise per chunk, no
 * AbortController; the body is counted in bytes as it arrives and the
 * attempt is cut off (socket dropped, nothing more read) past the size limit
 * or when the call's deadline fires. Why undici and not got: README "Choices
 * worth knowing" (≈ 400 µs of CPU per call through got, ≈ 60 through undici).
 */
import { Agent, type Dispatcher } from 'undici';
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

/** Builds the process's one Agent (a keep-alive pool per origin) and the attempt sender over it. */
export function createTransport(options: TransportOptions): Transport {
  const agent = new Agent({
    connections: options.connections,
    connect: { timeout: options.connectTimeoutMs },
    // The call's own deadline timer bounds every phase (a socket timeout
    // never fires on a body that drips bytes): no second set of timers.
    headersTimeout: 0,
    bodyTimeout: 0,
  });
  return {
    send(attempt, deadline) {
      if (deadline.expired) return Promise.resolve({ kind: 'deadline' });
      const { origin, path } = splitUrl(attempt.url);
      return new Promise<Outcome>((resolve) => {
        const handler = new AttemptHandler(options.maxResponseBytes, deadline, resolve);
        try {
          // undici only reads the header list (its type asks for a mutable one).
          agent.dispatch({ origin, path, method: attempt.method, headers: attempt.headers as string[], body: attempt.body ?? null }, handler);
        } catch (error) {
          // Invalid arguments (a header value undici refuses) are thrown, not reported.
          resolve({ kind: 'error', error: transportError(error) });
        }
      });
    },
    close() {
      void agent.destroy().catch(() => undefined);
    },
  };
}
