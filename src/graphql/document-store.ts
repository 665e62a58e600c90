import type { DocumentStore } from '@apollo/server';
import type { DocumentNode } from 'graphql';
import { BoundedMap } from '../../clients/bounded-map.js';
import { DEFAULT_MAX_DOCUMENT_TEXT, documentTextLength } from '../plan/planner.js';

/** Apollo's document store with a count of the documents it holds. */
export interface BoundedDocumentStore extends DocumentStore {
  /** Documents held now. */
  readonly size: number;
}

/**
 * Apollo's store of parsed, validated documents (by hash), holding at most
 * `maxDocuments`, least recently used evicted first. Apollo's default is
 * bounded by the documents' JSON, 30 MiB per server, but a parsed document
 * also keeps its text and every lexer token, four to five times its JSON: a
 * stream of distinct documents grew each audience's store towards 140 MB.
 * Given the plan cache's bounds (a count, and the documents' summed text),
 * it holds the documents the plans hold, and keeps none alive that the plans
 * have dropped.
 */
export function createDocumentStore(maxDocuments: number, maxText = DEFAULT_MAX_DOCUMENT_TEXT): BoundedDocumentStore {
  const documents = new BoundedMap<string, DocumentNode>(maxDocuments, maxText, documentTextLength);
  return {
    get: async (key) => documents.get(key),
    set: async (key, document) => {
      documents.set(key, document);
    },
    delete: async (key) => documents.delete(key),
    get size() {
      return documents.size;
    },
  };
}
