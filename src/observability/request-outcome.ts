import type { FormattedExecutionResult } from 'graphql';
import type { RequestOutcome } from './metrics.js';

/**
 * Classifies a finished GraphQL response: `rejected` for a 4xx (the client's
 * request was refused), `error` for a 5xx or errors without data, `partial`
 * for data with errors (a failing upstream nulled some fields), else `ok`.
 */
export function requestOutcome(status: number, result: FormattedExecutionResult | undefined): RequestOutcome {
  if (status >= 500) return 'error';
  if (status >= 400) return 'rejected';
  if (!result?.errors?.length) return 'ok';
  return result.data ? 'partial' : 'error';
}

/** The distinct `extensions.code` values of a response's errors, in order of first appearance. */
export function errorCodes(result: FormattedExecutionResult | undefined): string[] {
  const codes = (result?.errors ?? []).map((e) => String(e.extensions?.['code'] ?? 'INTERNAL_SERVER_ERROR'));
  return [...new Set(codes)];
}
