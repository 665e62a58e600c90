import type { ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';

/** How GraphQL answers are compressed (`RESPONSE_COMPRESSION*`); null in the configuration: never. */
export interface CompressionSettings {
  /** Answers shorter than this (bytes) go as they are. */
  minBytes: number;
  /** zlib's level, 1 (fastest, nginx's default) to 9. */
  level: number;
}

/**
 * 2 KB: a smaller answer and its headers fit two TCP segments either way, so gzip would save at most one segment,
 * well inside the first round trip's window, for about 25 µs of CPU (BENCHMARKS.md, "Response compression").
 */
export const DEFAULT_COMPRESSION: CompressionSettings = { minBytes: 2_048, level: 1 };

/** A `q` parameter that is 0 (RFC 9110 §12.4.2: `0`, `0.`, `0.0`, up to three zeros). */
const Q_ZERO = /^q\s*=\s*0(\.0{0,3})?$/;
/** A `q` parameter that is a qvalue at all (above zero or not). */
const Q_VALUE = /^q\s*=\s*(0(\.\d{0,3})?|1(\.0{0,3})?)$/;

/**
 * Longest `Accept-Encoding` read: a browser's is about 25 characters. A longer one is answered as if it took no
 * coding, unread: split into its entries, a 16 KB one of commas cost over a millisecond, a request's whole CPU twice.
 */
const MAX_ACCEPT_ENCODING = 256;

/**
 * Whether an `Accept-Encoding` header (RFC 9110 §12.5.3) lets the answer go
 * gzip-compressed: `gzip` (or `x-gzip`) listed with a weight above zero, or,
 * when neither is listed, `*` with one. An entry whose weight is not a qvalue
 * counts as refused, and so does a header over 256 characters: the answer
 * then goes as it is, which every client reads.
 */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header || header.length > MAX_ACCEPT_ENCODING) return false;
  let wildcard = false;
  for (const entry of header.split(',')) {
    const [rawName = '', ...params] = entry.split(';');
    const name = rawName.trim().toLowerCase();
    if (name !== 'gzip' && name !== 'x-gzip' && name !== '*') continue;
    const q = params.map((p) => p.trim().toLowerCase()).find((p) => p.startsWith('q'));
    const accepted = q === undefined || (Q_VALUE.test(q) && !Q_ZERO.test(q));
    if (name !== '*') return accepted;
    wildcard = accepted;
  }
  return wildcard;
}

/** Adds `Accept-Encoding` to the answer's `Vary`, after what is there (CORS's `Origin`, a shareable answer's list). */
function varyOnEncoding(res: ServerResponse): void {
  const vary = res.getHeader('vary');
  res.setHeader('vary', vary === undefined || vary === '' ? 'Accept-Encoding' : `${String(vary)}, Accept-Encoding`);
}

/**
 * The body to send for a GraphQL answer: gzip-compressed when the client
 * accepts gzip and it is at least `minBytes` long, with `Content-Encoding`
 * set; as it is otherwise. Either way `Vary` names `Accept-Encoding`, since
 * the answer depends on it. Compressed in this thread at once: at level 1 a
 * 13 KB answer takes about 30 µs, where zlib's asynchronous call costs about
 * 100 µs of CPU for a 1.3 KB one, most of it the thread pool's hand-offs
 * (docs/operations.md, "Response compression").
 */
export function compressedBody(res: ServerResponse, acceptEncoding: string | undefined, text: string, settings: CompressionSettings): string | Buffer {
  varyOnEncoding(res);
  if (!acceptsGzip(acceptEncoding) || Buffer.byteLength(text) < settings.minBytes) return text;
  res.setHeader('content-encoding', 'gzip');
  return gzipSync(text, { level: settings.level });
}
