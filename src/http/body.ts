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
 * Most of a refused body read and thrown away before its 413: 1 MiB, nginx's default `client_max_body_size`, so
 * whatever a default nginx passes on. A proxy sends the whole body before it reads the answer: a connection closed
 * with the body still arriving is reset under it, and it answers its client 502 instead of the 413 (nginx:
 * "writev() failed (32: Broken pipe) while sending request to upstream"). A larger body is refused at once.
 */
export const DRAINED_BODY_BYTES = 1_048_576;

/**
 * Reads a request body, refusing more than `limit` bytes: from `Content-Length`
 * or as the streamed total passes it, once the rest of a body of at most
 * `DRAINED_BODY_BYTES` has arrived (read and thrown away, so that a proxy that
 * sends it whole gets the 413, not a reset); at once for a larger one, and
 * for a client waiting for `100 Continue`, which sends nothing of a refused
 * body. `continueClient` runs only once the body will be read: the edge sends
 * `100 Continue` there. A client that goes away mid-body (node:http's
 * `aborted` reset) is a `ClientGoneError`.
 */
export function readBody(req: IncomingMessage, limit: number, continueClient?: () => void): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit && (continueClient !== undefined || declared > DRAINED_BODY_BYTES)) return Promise.reject(new PayloadTooLargeError());
  continueClient?.();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // A limit above DRAINED_BODY_BYTES is a body that is read, not one refused at DRAINED_BODY_BYTES.
      if (size > Math.max(limit, DRAINED_BODY_BYTES)) {
        req.removeAllListeners('data');
        req.pause();
        reject(new PayloadTooLargeError());
        return;
      }
      // Past the limit: thrown away while the rest arrives.
      if (size <= limit) chunks.push(chunk);
      else chunks.length = 0;
    });
    req.on('end', () => (size > limit ? reject(new PayloadTooLargeError()) : resolve(Buffer.concat(chunks))));
    // node:http destroys the request with an ECONNRESET "aborted" error when its connection closes mid-body.
    req.on('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'ECONNRESET' ? new ClientGoneError('client closed the connection before its body was read') : error),
    );
  });
}
