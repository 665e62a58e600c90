/**
 * Upstream failure → `UpstreamError`. Messages name the service and the kind of
 * failure only: never a host, port, URL or upstream body, because they may
 * reach a client. The raw cause is kept in `cause` for logs.
 */
import { UpstreamError, type ServiceName, type UpstreamErrorCode } from './errors.js';

const MESSAGES: Record<UpstreamErrorCode, (service: ServiceName) => string> = {
  UPSTREAM_UNAVAILABLE: (s) => `${s} service unavailable`,
  UPSTREAM_TIMEOUT: (s) => `${s} service timed out`,
  UPSTREAM_BAD_RESPONSE: (s) => `${s} service returned a malformed response`,
  NOT_FOUND: (s) => `the ${s} service found no such resource`,
  BAD_USER_INPUT: (s) => `the ${s} service rejected the input`,
  CONFLICT: (s) => `the ${s} service reported a conflict`,
};

/** Builds the one `UpstreamError` shape every client throws, with its safe message. */
export function upstreamError(
  code: UpstreamErrorCode,
  service: ServiceName,
  status?: number,
  cause?: unknown,
): UpstreamError {
  return new UpstreamError(code, service, MESSAGES[code](service), status, { cause });
}

/**
 * The code for a non-2xx status (CONTRACT.md §1 Errors; §2 Error codes):
 * 404 NOT_FOUND, 400/422 BAD_USER_INPUT, 409 CONFLICT, 429/5xx UNAVAILABLE.
 * Any other status is something the contract never produces (a redirect, a
 * 401 from a misconfigured proxy): the service is not usable, so UNAVAILABLE
 * for 4xx and BAD_RESPONSE for the rest.
 */
export function codeForStatus(status: number): UpstreamErrorCode {
  switch (status) {
    case 404:
      return 'NOT_FOUND';
    case 400:
    case 422:
      return 'BAD_USER_INPUT';
    case 409:
      return 'CONFLICT';
    default:
      return status >= 400 ? 'UPSTREAM_UNAVAILABLE' : 'UPSTREAM_BAD_RESPONSE';
  }
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && error.name === 'TimeoutError';
}

/**
 * Why a call failed, for the operator's log line, never for a client: the
 * socket's or TLS's code for a transport failure (`ECONNREFUSED`,
 * `ETIMEDOUT (connect)`, `CERT_HAS_EXPIRED`, `UNABLE_TO_VERIFY_LEAF_SIGNATURE`…),
 * else the cause's own text, which the clients write without host, URL or
 * body (`upstream answered HTTP 503`, `field id is not a string`, `circuit open`).
 */
export function failureReason(failure: UpstreamError): string {
  const cause = failure.cause;
  if (!(cause instanceof Error)) return 'unknown';
  const { code, event } = cause as Error & { code?: unknown; event?: unknown };
  if ((cause.name === 'RequestError' || cause.name === 'TimeoutError') && typeof code === 'string') {
    return typeof event === 'string' ? `${code} (${event})` : code;
  }
  return cause.message;
}

/** The code for a transport failure (no usable response): timeouts vs. everything else. */
export function codeForTransportError(error: unknown): UpstreamErrorCode {
  return isTimeout(error) ? 'UPSTREAM_TIMEOUT' : 'UPSTREAM_UNAVAILABLE';
}
