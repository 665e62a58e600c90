import type { GraphQLRequest } from '@apollo/server';
import { BoundedMap } from '../../clients/bounded-map.js';
import { documentId } from './document-id.js';
import type { ManifestOperation, TrustedDocuments } from './manifest.js';

/**
 * Ids of recently seen document texts. An app sends the same few documents
 * all day, and each would otherwise be hashed on every request (Apollo then
 * hashes it once more for its own document cache). Bounded in entries and in
 * the length of a text kept, so a flood of distinct or huge documents only
 * churns it: at most 512 texts of up to 8 KB.
 */
const recentIds = new BoundedMap<string, string>(512);
const MAX_REMEMBERED_TEXT = 8 * 1024;

function idOf(text: string): string {
  if (text.length > MAX_REMEMBERED_TEXT) return documentId(text);
  let id = recentIds.get(text);
  if (id === undefined) recentIds.set(text, (id = documentId(text)));
  return id;
}

/**
 * What a request's document is, before anything parses it:
 * - `trusted`: a manifest id (sent alone, the APQ wire format) or the exact
 *   canonical text of a manifest document;
 * - `unknown-id`: a hash alone that the manifest does not know (perhaps a
 *   registered automatic persisted query);
 * - `untrusted`: document text that is not in the manifest;
 * - `malformed`: a persisted-query extension that is not version 1 with a
 *   hash, or a hash that does not match the text sent;
 * - `apollo`: no document at all, which Apollo refuses before parsing.
 */
export type Admission =
  | { kind: 'trusted'; operation: ManifestOperation }
  | { kind: 'unknown-id'; id: string }
  | { kind: 'untrusted'; id: string; text: string }
  | { kind: 'malformed'; reason: string }
  | { kind: 'apollo' };

/** `extensions.persistedQuery.sha256Hash` of a version 1 request, or null. */
function persistedHash(request: GraphQLRequest): { present: boolean; hash: string | null } {
  const persisted: unknown = request.extensions?.['persistedQuery'];
  if (persisted === undefined || persisted === null) return { present: false, hash: null };
  const { version, sha256Hash } = persisted as { version?: unknown; sha256Hash?: unknown };
  return { present: true, hash: version === 1 && typeof sha256Hash === 'string' ? sha256Hash : null };
}

/** Classifies a request's document against an app's manifest (see `Admission`). */
export function admit(request: GraphQLRequest, documents: TrustedDocuments): Admission {
  const { present, hash } = persistedHash(request);
  if (present && hash === null) return { kind: 'malformed', reason: 'Unsupported persisted query: send extensions.persistedQuery as { version: 1, sha256Hash }.' };
  const text = request.query;
  if (text === undefined) {
    if (hash === null) return { kind: 'apollo' };
    const operation = documents.get(hash);
    return operation ? { kind: 'trusted', operation } : { kind: 'unknown-id', id: hash };
  }
  if (typeof text !== 'string' || text === '') return { kind: 'apollo' };
  const id = idOf(text);
  // The APQ protocol's integrity check: a document is never registered or run under another document's hash.
  if (hash !== null && hash !== id) return { kind: 'malformed', reason: 'provided sha does not match query' };
  const operation = documents.get(id);
  return operation ? { kind: 'trusted', operation } : { kind: 'untrusted', id, text };
}
