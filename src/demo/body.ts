import type { IncomingMessage } from 'node:http';
import { badRequest, HttpError } from './errors.js';

const BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * Reads a request body of at most 1 MB and parses it as JSON: 413 over the
 * limit, 400 when empty or malformed (RFC 9110 §15.5.14, §15.5.1).
 */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  if (Number(req.headers['content-length'] ?? 0) > BODY_LIMIT_BYTES) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    // Keep draining past the limit so the connection stays usable for the error reply.
    if (size <= BODY_LIMIT_BYTES) chunks.push(chunk);
  }
  if (size > BODY_LIMIT_BYTES) throw tooLarge();
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') throw badRequest('a JSON body is required');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw badRequest('malformed JSON body');
  }
}

function tooLarge(): HttpError {
  return new HttpError(413, 'PAYLOAD_TOO_LARGE', `body over ${BODY_LIMIT_BYTES} bytes`);
}
