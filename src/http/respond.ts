import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { ErrorCode } from '../errors.js';

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
  // A refusal is never for a cache to keep (a 404 or 405 would be, by default: RFC 9111 heuristics).
  sendJson(res, status, graphQLErrorBody(code, message), { 'cache-control': 'no-store', ...headers });
}

/**
 * node:http's own refusals, before there is a request or a response object:
 * a malformed request (400), headers over the limit (431), a request not
 * received in time (408). Each is written straight to the socket with the
 * contract's body and a fresh correlation id, as every other answer has
 * (node:http's default is a bare status line). By `error.code`; anything else
 * is a 400.
 */
export const CLIENT_ERROR_STATUS: Readonly<Record<string, number>> = { HPE_HEADER_OVERFLOW: 431, ERR_HTTP_REQUEST_TIMEOUT: 408 };

const CLIENT_ERROR_MESSAGES: Readonly<Record<number, string>> = {
  400: 'Malformed HTTP request.',
  408: 'The request did not arrive in time.',
  431: 'Request headers too large.',
};

/** Each refusal's head (without the correlation id, written per answer) and body: made once, shared with the edge thread. */
export function clientErrorAnswers(): Record<number, { head: string; body: string }> {
  const answers: Record<number, { head: string; body: string }> = {};
  for (const [status, message] of Object.entries(CLIENT_ERROR_MESSAGES)) {
    const body = JSON.stringify(graphQLErrorBody(ErrorCode.BAD_REQUEST, message));
    const head =
      `HTTP/1.1 ${status} ${STATUS_CODES[Number(status)]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\nX-Content-Type-Options: nosniff\r\n`;
    answers[Number(status)] = { head, body };
  }
  return answers;
}

/** A `clientError` listener for a node:http server: the answer above, then the connection closed. */
export function answerClientErrors(): (error: NodeJS.ErrnoException, socket: Duplex) => void {
  const answers = clientErrorAnswers();
  return (error, socket) => {
    // Nobody to answer (the client reset the connection), or nothing can be written any more.
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const answer = answers[CLIENT_ERROR_STATUS[error.code ?? ''] ?? 400]!;
    socket.end(`${answer.head}X-Correlation-ID: ${randomUUID()}\r\n\r\n${answer.body}`);
  };
}
