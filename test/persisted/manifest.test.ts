import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gql } from '@apollo/client/core';
import { print } from '@apollo/client/utilities';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config.js';
import { buildManifest, ManifestBuildError } from '../../src/persisted/build-manifest.js';
import { canonicalDocument, documentId } from '../../src/persisted/document-id.js';
import { loadTrustedDocuments, manifestPath, manifestText, OPERATIONS_DIR, type PersistedQueryManifest } from '../../src/persisted/manifest.js';
import { FIRST_PARTY_AUDIENCES } from '../../src/persisted/mode.js';

const temporary: string[] = [];
afterEach(() => {
  for (const dir of temporary.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A copy of operations/ to change without touching the committed one; ends with a slash like OPERATIONS_DIR. */
function copyOfOperations(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bff-operations-'));
  temporary.push(dir);
  cpSync(OPERATIONS_DIR, dir, { recursive: true });
  return `${dir}/`;
}

describe('Trusted-documents manifests', () => {
  for (const audience of FIRST_PARTY_AUDIENCES) {
    it(`operations/${audience}.manifest.json matches operations/${audience}/: a stale manifest fails here (run npm run codegen)`, () => {
      const committed = readFileSync(manifestPath(audience), 'utf8');
      expect(committed, `${manifestPath(audience)} is stale: run npm run codegen`).toBe(manifestText(buildManifest(audience)));
    });
  }

  it('holds the contract operations and the next ones, as Apollo persisted query manifests', () => {
    const names = (audience: 'mobile' | 'web') => buildManifest(audience).operations.map((o) => `${o.type} ${o.name}`);
    expect(names('mobile')).toEqual(['mutation MarkNotificationRead', 'query MobileDashboard', 'query NotificationList']);
    expect(names('web')).toEqual(['query OrderHistory', 'mutation PlaceOrder', 'query ProductPage', 'query ProductSearch']);
    expect(buildManifest('web')).toMatchObject({ format: 'apollo-persisted-query-manifest', version: 1 });
  });

  it("ids each document by the SHA-256 of its printed form, the hash @apollo/client computes for it", () => {
    for (const operation of buildManifest('web').operations) {
      const source = readFileSync(operation.file, 'utf8');
      expect(operation.body).toBe(canonicalDocument(source));
      expect(operation.id).toBe(documentId(operation.body));
      expect(operation.id).toBe(documentId(print(gql(source))));
    }
  });

  it('changes when an operation file is added, so the committed manifest would be stale', () => {
    const dir = copyOfOperations();
    writeFileSync(`${dir}mobile/ProductCard.graphql`, 'query ProductCard($id: ID!) { product(id: $id) { id name thumbnailUrl } }\n');
    const rebuilt = buildManifest('mobile', dir);
    expect(rebuilt.operations.map((o) => o.name)).toContain('ProductCard');
    expect(manifestText(rebuilt)).not.toBe(readFileSync(manifestPath('mobile'), 'utf8'));
  });

  it('refuses to build a document that does not validate, is misnamed or asks for over 100 items, naming each file', () => {
    const dir = copyOfOperations();
    writeFileSync(`${dir}mobile/Broken.graphql`, 'query Broken { dashboard { nope } }');
    writeFileSync(`${dir}mobile/Misnamed.graphql`, 'query SomethingElse { dashboard { unreadCount } }');
    writeFileSync(`${dir}mobile/Huge.graphql`, 'query Huge { notifications(first: 500) { edges { cursor } } }');
    let error: unknown;
    try {
      buildManifest('mobile', dir);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ManifestBuildError);
    const problems = (error as ManifestBuildError).problems.join('\n');
    expect(problems).toContain('operations/mobile/Broken.graphql: Cannot query field "nope" on type "Dashboard".');
    expect(problems).toContain('operations/mobile/Misnamed.graphql: the operation must be named after its file (Misnamed)');
    expect(problems).toContain('operations/mobile/Huge.graphql: `first` on `notifications` must be between 1 and 100.');
    expect(problems).not.toContain('MobileDashboard');
  });

  it('is refused at start when an id is not the hash of its body', () => {
    const dir = copyOfOperations();
    const manifest = JSON.parse(readFileSync(manifestPath('web', dir), 'utf8')) as PersistedQueryManifest;
    const [first, second] = manifest.operations as [PersistedQueryManifest['operations'][number], PersistedQueryManifest['operations'][number]];
    first.id = second.id;
    writeFileSync(manifestPath('web', dir), manifestText(manifest));
    expect(() => loadTrustedDocuments('web', dir)).toThrow(ConfigError);
    expect(() => loadTrustedDocuments('web', dir)).toThrow(/id is not the SHA-256 of its body/);
    expect(loadTrustedDocuments('mobile', dir).size).toBe(3);
  });
});
