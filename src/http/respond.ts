import type { ServerResponse } from 'node:http';
import type { ErrorCode } from '../errors.js';

/** Writes a JSON body with the given status and headers. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    ...headers,
  });
  res.end(payload);
}

/** The body of a request-level failure, in the GraphQL response shape. */
export function graphQLErrorBody(code: ErrorCode, message: string): { errors: [{ message: string; extensions: { code: ErrorCode } }] } {
  return { errors: [{ message, extensions: { code } }] };
}

/** A request-level failure in the GraphQL response shape, so GraphQL clients can read it. */
export function sendGraphQLError(
  res: ServerResponse,
  status: number,
  code: ErrorCode,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, graphQLErrorBody(code, message), headers);
}
