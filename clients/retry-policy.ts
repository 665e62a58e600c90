/**
 * When a failed upstream attempt is tried again, and after how long. GETs
 * are retried, and a POST with its Idempotency-Key once on a connection
 * failure (the caller decides that: clients/http.ts); this module decides which
 * failures are worth it and keeps every wait inside the call's total deadline
 * (CONTRACT.md §2 "Upstream calls have a deadline"; HOSTILE-INPUTS rows 34–37, 40).
 */

/** Jittered backoff bounds: long enough to skip a blip, short next to any deadline. */
const BACKOFF_MIN_MS = 25;
const BACKOFF_SPREAD_MS = 75;
/** A Retry-After longer than this means "not within our deadline": fail now instead of waiting. */
const MAX_RETRY_AFTER_MS = 500;
/** Never start an attempt with less time than this left. */
export const MIN_ATTEMPT_MS = 50;

/** 502/503/504 mean "try again": a gateway or an overloaded service, not a verdict. 429 is not retried. */
export function isRetryableStatus(status: number): boolean {
  return status === 502 || status === 503 || status === 504;
}

/**
 * True for transport failures a GET can safely repeat: connection refused,
 * reset, a connect-phase timeout, or a name lookup that failed for now
 * (`EAI_AGAIN`: the resolver timed out or answered SERVFAIL, as a busy
 * cluster DNS does; nothing was sent). A name that does not exist
 * (`ENOTFOUND`) is not retried, and read timeouts are not either: the
 * deadline is already spent.
 */
export function isRetryableTransportError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { code, event } = error as { code?: unknown; event?: unknown };
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EAI_AGAIN') return true;
  // The transport's TimeoutError names the phase that timed out (clients/transport.ts).
  if (error.name === 'TimeoutError') return event === 'connect';
  return code === 'ETIMEDOUT';
}

/**
 * Failures of this process, not of the service: no file descriptor
 * (`EMFILE`, `ENFILE`), no local port (`EADDRNOTAVAIL`), no kernel memory
 * (`ENOBUFS`, `ENOMEM`). The call fails, and the service's circuit does not
 * count it.
 */
const LOCAL_FAILURES = new Set(['EMFILE', 'ENFILE', 'EADDRNOTAVAIL', 'ENOBUFS', 'ENOMEM']);

export function isLocalTransportError(error: unknown): boolean {
  return error instanceof Error && LOCAL_FAILURES.has((error as { code?: unknown }).code as string);
}

/** Parses `Retry-After` (delta-seconds or HTTP-date, RFC 9110 §10.2.3) into milliseconds. */
export function retryAfterMs(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/**
 * The wait before the next attempt, or `undefined` to give up now: when the
 * upstream's Retry-After is long (it will not be back in time) or when the
 * wait plus a minimal attempt would pass the deadline.
 */
export function retryDelayMs(retryAfter: string | undefined, elapsedMs: number, deadlineMs: number): number | undefined {
  const hint = retryAfterMs(retryAfter);
  if (hint !== undefined && hint > MAX_RETRY_AFTER_MS) return undefined;
  const wait = Math.max(hint ?? 0, BACKOFF_MIN_MS + Math.random() * BACKOFF_SPREAD_MS);
  return elapsedMs + wait + MIN_ATTEMPT_MS < deadlineMs ? wait : undefined;
}
