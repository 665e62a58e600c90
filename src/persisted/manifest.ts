/**
 * The trusted-documents manifest of one app: `operations/<audience>.manifest.json`,
 * written by `npm run codegen` and loaded by the gateway at start. Its format
 * is Apollo's persisted query manifest (`format`, `version`, `operations[]`
 * with `id`, `name`, `type`, `body`), so Apollo's client tooling can read it;
 * `file` and `cost` are ours.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../config.js';
import type { Audience } from '../context.js';
import { projectDir } from '../project-root.js';
import { documentId } from './document-id.js';

export const MANIFEST_FORMAT = 'apollo-persisted-query-manifest';

/** Where the apps' operation files and the manifests live. */
export const OPERATIONS_DIR = projectDir('operations');

/** The price of an operation computed at build time; runtime still prices every request with its own variables. */
export interface StaticCost {
  /** The estimate (IBM cost spec, the schema's directives) under `assuming`. */
  estimate: number;
  /** The variable values priced: each variable's default, else Int/Float at the largest page (100) and Boolean true. */
  assuming: Record<string, number | boolean>;
}

export interface ManifestOperation {
  /** `documentId(body)`: what a client sends as `extensions.persistedQuery.sha256Hash`. */
  id: string;
  name: string;
  type: 'query' | 'mutation';
  /** The canonical document (`canonicalDocument` of the file). */
  body: string;
  /** The source file, relative to the repository root. */
  file: string;
  cost: StaticCost;
}

export interface PersistedQueryManifest {
  format: typeof MANIFEST_FORMAT;
  version: 1;
  operations: ManifestOperation[];
}

/** A loaded manifest: its operations by id. */
export type TrustedDocuments = ReadonlyMap<string, ManifestOperation>;

/** `operations/<audience>.manifest.json` under `dir`. */
export function manifestPath(audience: Audience, dir = OPERATIONS_DIR): string {
  return `${dir}${audience}.manifest.json`;
}

/** Stable JSON text of a manifest, as committed. */
export function manifestText(manifest: PersistedQueryManifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

function isOperation(value: unknown): value is ManifestOperation {
  const o = value as Partial<ManifestOperation> | null;
  return (
    typeof o === 'object' &&
    o !== null &&
    typeof o.id === 'string' &&
    typeof o.name === 'string' &&
    (o.type === 'query' || o.type === 'mutation') &&
    typeof o.body === 'string'
  );
}

/**
 * Reads an app's committed manifest. Every id must be the hash of its body, so
 * a hand-edited manifest cannot run one document under another's id. A
 * missing or malformed manifest is a start-up error (ConfigError).
 */
export function loadTrustedDocuments(audience: Audience, dir = OPERATIONS_DIR): TrustedDocuments {
  const path = manifestPath(audience, dir);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError([`${path}: cannot read the ${audience} trusted-documents manifest (${(error as Error).message}); run npm run codegen.`]);
  }
  const manifest = raw as Partial<PersistedQueryManifest> | null;
  if (manifest?.format !== MANIFEST_FORMAT || manifest.version !== 1 || !Array.isArray(manifest.operations)) {
    throw new ConfigError([`${path}: not a ${MANIFEST_FORMAT} version 1.`]);
  }
  const documents = new Map<string, ManifestOperation>();
  const problems: string[] = [];
  manifest.operations.forEach((operation: unknown, i) => {
    if (!isOperation(operation)) problems.push(`${path}: operations[${i}] needs id, name, type (query or mutation) and body.`);
    else if (documentId(operation.body) !== operation.id) problems.push(`${path}: ${operation.name}'s id is not the SHA-256 of its body.`);
    else documents.set(operation.id, operation);
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return documents;
}
