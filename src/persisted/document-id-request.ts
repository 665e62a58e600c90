/**
 * The request form of the GraphQL-over-HTTP persisted documents proposal:
 * `documentId` (`sha256:<hash>`) in the POST body or the GET URL instead of
 * `query`, read as the APQ form
 * (`extensions.persistedQuery`) that Apollo and the trusted-documents plugin
 * speak. So a manifest operation runs by either form, and everything after
 * this point (trusted documents, pricing, the CDN rule for GETs) is the same.
 */

/** `sha256:<64 lower-case hex digits>`, or the bare hex digits. */
const DOCUMENT_ID = /^(?:sha256:)?([0-9a-f]{64})$/;

const MALFORMED = 'documentId must be "sha256:" followed by the 64 lower-case hex digits of the document\'s SHA-256, or those digits alone.';
const BOTH = 'Send documentId, or a query, or extensions.persistedQuery: only one of them.';

export type DocumentIdRequest =
  /** The request read in the APQ form: its body (POST) or search (GET). */
  | { ok: true; body: unknown; search: string }
  /** A `documentId` that is not a SHA-256 id, or sent with another form of the document: 400 BAD_REQUEST. */
  | { ok: false; reason: string };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The hash of a `documentId`, or null when it is not one. */
function hashOf(documentId: unknown): string | null {
  return typeof documentId === 'string' ? (DOCUMENT_ID.exec(documentId)?.[1] ?? null) : null;
}

const persistedQuery = (sha256Hash: string) => ({ version: 1, sha256Hash });

/**
 * A request with `documentId` read in the APQ form; null for any other
 * request, which goes as it is (one property check for a POST, one parameter
 * lookup for a GET).
 */
export function readDocumentId(method: string | undefined, url: URL, body: unknown): DocumentIdRequest | null {
  if (method === 'GET') {
    if (!url.searchParams.has('documentId')) return null;
    const params = new URLSearchParams(url.searchParams);
    const hash = hashOf(params.get('documentId'));
    if (hash === null || params.getAll('documentId').length > 1) return { ok: false, reason: MALFORMED };
    // Apollo refuses a repeated parameter; here a second `extensions` would be dropped unread (a persistedQuery in it too).
    if (params.getAll('extensions').length > 1) return { ok: false, reason: 'The extensions search parameter may only be specified once.' };
    let extensions: unknown = {};
    const sent = params.get('extensions');
    if (sent !== null) {
      try {
        extensions = JSON.parse(sent);
      } catch {
        return { ok: false, reason: 'The extensions search parameter is not valid JSON.' };
      }
    }
    if (params.has('query') || !isObject(extensions) || extensions['persistedQuery'] !== undefined) return { ok: false, reason: BOTH };
    params.delete('documentId');
    params.set('extensions', JSON.stringify({ ...extensions, persistedQuery: persistedQuery(hash) }));
    return { ok: true, body, search: `?${params.toString()}` };
  }
  if (!isObject(body) || !('documentId' in body)) return null;
  const { documentId, ...rest } = body;
  const hash = hashOf(documentId);
  if (hash === null) return { ok: false, reason: MALFORMED };
  const extensions = rest['extensions'] ?? {};
  if (rest['query'] !== undefined || !isObject(extensions) || extensions['persistedQuery'] !== undefined) return { ok: false, reason: BOTH };
  return { ok: true, body: { ...rest, extensions: { ...extensions, persistedQuery: persistedQuery(hash) } }, search: url.search };
}
