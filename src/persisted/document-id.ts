import { createHash } from 'node:crypto';
import { parse, print } from 'graphql';

/**
 * The id of a document: lower-case hex SHA-256 of its text exactly as the
 * client sends it (UTF-8), as the automatic persisted queries protocol
 * defines `extensions.persistedQuery.sha256Hash`. Apollo Server checks a
 * registration against the same hash.
 */
export function documentId(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * The canonical text of an operation file: graphql-js `print()` of its parse.
 * Comments and formatting do not change it, and it is the text
 * @apollo/client's persisted-query link hashes and sends for a document as
 * written (its cache must not add `__typename`), so an app computes the same
 * id as the manifest.
 */
export function canonicalDocument(source: string, maxTokens?: number): string {
  return print(parse(source, { noLocation: true, ...(maxTokens === undefined ? {} : { maxTokens }) }));
}
