import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { UpstreamError } from '../clients/errors.js';

/**
 * The public error codes (`extensions.code`): the contract's list, plus
 * `BAD_REQUEST` for a malformed HTTP request, `PERSISTED_QUERY_NOT_ALLOWED`
 * for an untrusted document, `OVERLOADED` for a request shed at the edge and `INTERNAL_SERVER_ERROR` for anything
 * unexpected (masked). Every code here is documented in the README.
 */
export const ErrorCode = {
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  BAD_REQUEST: 'BAD_REQUEST',
  GRAPHQL_PARSE_FAILED: 'GRAPHQL_PARSE_FAILED',
  GRAPHQL_VALIDATION_FAILED: 'GRAPHQL_VALIDATION_FAILED',
  PERSISTED_QUERY_NOT_FOUND: 'PERSISTED_QUERY_NOT_FOUND',
  /** A document outside an app's trusted-documents manifest, where the manifest is required. */
  PERSISTED_QUERY_NOT_ALLOWED: 'PERSISTED_QUERY_NOT_ALLOWED',
  CONFLICT: 'CONFLICT',
  RATE_LIMITED: 'RATE_LIMITED',
  QUERY_TOO_EXPENSIVE: 'QUERY_TOO_EXPENSIVE',
  UPSTREAM_UNAVAILABLE: 'UPSTREAM_UNAVAILABLE',
  UPSTREAM_TIMEOUT: 'UPSTREAM_TIMEOUT',
  UPSTREAM_BAD_RESPONSE: 'UPSTREAM_BAD_RESPONSE',
  NOT_FOUND: 'NOT_FOUND',
  /** This gateway process is shedding load: refused at the edge before any work; retry after `Retry-After`. */
  OVERLOADED: 'OVERLOADED',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const KNOWN_CODES: ReadonlySet<string> = new Set(Object.values(ErrorCode));

/** Apollo's own codes that mean the same as one of ours. */
const APOLLO_ALIASES: Readonly<Record<string, ErrorCode>> = {
  PERSISTED_QUERY_NOT_SUPPORTED: ErrorCode.BAD_REQUEST,
  OPERATION_RESOLUTION_FAILURE: ErrorCode.BAD_REQUEST,
};

/** A GraphQL error with one of our codes; `status` sets the HTTP status when it fails the whole request. */
export function gatewayError(
  code: ErrorCode,
  message: string,
  options: { status?: number; extensions?: Record<string, unknown> } = {},
): GraphQLError {
  const extensions: Record<string, unknown> = { ...options.extensions, code };
  if (options.status !== undefined) extensions['http'] = { status: options.status };
  return new GraphQLError(message, { extensions });
}

export const unauthenticated = (message = 'Authentication required.') =>
  gatewayError(ErrorCode.UNAUTHENTICATED, message);
export const forbidden = (message = 'Not allowed.') => gatewayError(ErrorCode.FORBIDDEN, message);
export const badUserInput = (message: string, field?: string) =>
  gatewayError(ErrorCode.BAD_USER_INPUT, message, field === undefined ? {} : { extensions: { field } });

/**
 * "Did you mean …?" suggestions reveal the schema; production drops them, from the first one on with the space before
 * it. Not a regular expression: messages echo client input, and `\s*Did you mean` backtracks quadratically on a long
 * run of spaces (90,000 of them in an operationName held the process for five seconds).
 */
function withoutSuggestions(message: string): string {
  const at = message.indexOf('Did you mean ');
  return at < 0 ? message : message.slice(0, at).trimEnd();
}

/** The contract's code for an error's `extensions.code` (Apollo's own codes mapped), or undefined when it has none. */
function contractCode(rawCode: unknown): ErrorCode | undefined {
  const code = typeof rawCode === 'string' ? (APOLLO_ALIASES[rawCode] ?? rawCode) : undefined;
  return code !== undefined && KNOWN_CODES.has(code) && code !== ErrorCode.INTERNAL_SERVER_ERROR ? (code as ErrorCode) : undefined;
}

/**
 * Whether `error`, as Apollo hands it to plugins, is one the contract has no
 * code for: a bug or a failure nobody foresaw, which the client sees only as
 * INTERNAL_SERVER_ERROR and an operator must find in the log.
 */
export function isUnexpectedError(error: GraphQLError): boolean {
  if ((error.originalError ?? error) instanceof UpstreamError) return false;
  return contractCode(error.extensions?.['code']) === undefined;
}

/** Messages said in an app's terms where Apollo's or graphql-js's words are not (see `createFormatError`). */
const INTROSPECTION_OFF = 'Introspection is off on this endpoint in production: generate code from the printed schema (schema/printed) instead.';
const VALIDATION_ABORTED = 'This document repeats fields too many times to be checked (validation stopped at its work limit): ask for each field once.';

/**
 * Apollo `formatError`: lets only known codes through, maps upstream failures
 * to their contract codes with their safe messages, and masks everything else
 * as INTERNAL_SERVER_ERROR. Never lets a stack, upstream URL or body out in
 * production (`exposeDetails` false).
 */
export function createFormatError(exposeDetails: boolean) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
    const base = {
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      ...(formatted.path ? { path: formatted.path } : {}),
    };
    if (original instanceof UpstreamError) {
      return { message: original.message, ...base, extensions: { code: original.code, service: original.service } };
    }
    const code = contractCode(formatted.extensions?.['code']);
    if (code !== undefined) {
      let message = exposeDetails ? formatted.message : withoutSuggestions(formatted.message);
      // Apollo's own words name itself and advise its operator ("pass introspection: true to ApolloServer"): an app is
      // told what it can do instead.
      if (message.startsWith('GraphQL introspection is not allowed')) message = INTROSPECTION_OFF;
      // graphql-js stops comparing a field repeated many times at a work limit, and says only this.
      else if (message === 'Validation aborted.') message = VALIDATION_ABORTED;
      const extensions: Record<string, unknown> = { ...formatted.extensions, code };
      if (!exposeDetails) delete extensions['stacktrace'];
      return { ...formatted, message, extensions };
    }
    if (exposeDetails) {
      return { ...formatted, extensions: { ...formatted.extensions, code: ErrorCode.INTERNAL_SERVER_ERROR } };
    }
    return { message: 'Internal server error.', ...base, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
  };
}
