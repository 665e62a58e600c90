import type { IncomingMessage } from 'node:http';

export class PayloadTooLargeError extends Error {
  override readonly name = 'PayloadTooLargeError';
}

/** True when `Content-Encoding` (a list, RFC 9110 8.4) names a coding other than `identity`. */
export function isEncoded(contentEncoding: string | undefined): boolean {
  if (contentEncoding === undefined) return false;
  return contentEncoding.split(',').some((coding) => {
    const name = coding.trim().toLowerCase();
    return name !== '' && name !== 'identity';
  });
}

/** The message of a 415 for a compressed request body, on both edges. */
export const COMPRESSED_BODY = 'A compressed request body is not accepted: send it with no Content-Encoding.';

/** The message of a 413, on both edges. */
export function bodyTooLarge(maxBodyBytes: number): string {
  return `Request body over ${maxBodyBytes} bytes.`;
}

/** The client closed its connection before the whole body arrived: nobody is left to answer. */
export class ClientGoneError extends Error {
  override readonly name = 'ClientGoneError';
}

/**
 * Reads a request body, refusing more than `limit` bytes: up front from
 * `Content-Length`, or as soon as the streamed total passes it. `continueClient`
 * runs only once the body will be read: the edge sends `100 Continue` there, so
 * a refused body is never sent. A client that goes away mid-body (node:http's
 * `aborted` reset) is a `ClientGoneError`.
 */
export function readBody(req: IncomingMessage, limit: number, continueClient?: () => void): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) return Promise.reject(new PayloadTooLargeError());
  continueClient?.();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.pause();
        reject(new PayloadTooLargeError());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    // node:http destroys the request with an ECONNRESET "aborted" error when its connection closes mid-body.
    req.on('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'ECONNRESET' ? new ClientGoneError('client closed the connection before its body was read') : error),
    );
  });
}
