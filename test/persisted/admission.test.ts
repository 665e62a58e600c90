import { describe, expect, it } from 'vitest';
import { admit } from '../../src/persisted/admission.js';
import { documentId } from '../../src/persisted/document-id.js';
import { loadTrustedDocuments } from '../../src/persisted/manifest.js';

const documents = loadTrustedDocuments('web');

describe('Document admission (the ids it works out)', () => {
  it('gives every text its own SHA-256, asked once or many times, short or over the remembered length', () => {
    const texts = ['{ __typename }', '{ __typename __schema { queryType { name } } }', `{ ${'__typename '.repeat(1_000)}}`];
    for (let round = 0; round < 3; round += 1) {
      for (const text of texts) expect(admit({ query: text }, documents)).toEqual({ kind: 'untrusted', id: documentId(text), text });
    }
  });

  it('still checks a sent hash against the text when the text was seen before', () => {
    const text = '{ __typename }';
    admit({ query: text }, documents);
    expect(admit({ query: text, extensions: { persistedQuery: { version: 1, sha256Hash: documentId('{ other }') } } }, documents)).toMatchObject({ kind: 'malformed' });
    expect(admit({ query: text, extensions: { persistedQuery: { version: 1, sha256Hash: documentId(text) } } }, documents)).toMatchObject({ kind: 'untrusted' });
  });

  it('recognises a manifest document by its text after a flood of other texts', () => {
    for (let i = 0; i < 600; i += 1) admit({ query: `{ __typename a${i}: __typename }` }, documents);
    const [operation] = [...documents.values()];
    expect(admit({ query: operation!.body }, documents)).toEqual({ kind: 'trusted', operation });
  });
});
