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

/** A request-level failure in the GraphQL response shape, so GraphQL clients can read it. */
export function sendGraphQLError(
  res: ServerResponse,
  status: number,
  code: ErrorCode,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { errors: [{ message, extensions: { code } }] }, headers);
}
