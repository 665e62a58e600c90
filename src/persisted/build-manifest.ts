/**
 * `npm run codegen` (after the resolver types) turns each app's operation
 * files, `operations/<audience>/<OperationName>.graphql`, into
 * `operations/<audience>.manifest.json`: every document validated against
 * the audience's schema and the gateway's default limits, stored in its
 * canonical form under its SHA-256 id, with its price computed at build
 * time. A stale manifest fails `npm test` (test/persisted/manifest.test.ts).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildSchema, Kind, parse, specifiedRules, validate, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { loadConfig } from '../config.js';
import type { Audience } from '../context.js';
import { buildCostModel, type CostModel } from '../cost/model.js';
import { shapeLimitRules } from '../graphql/shape-limits.js';
import { audienceTypeDefs } from '../schema.js';
import { canonicalDocument, documentId } from './document-id.js';
import { MANIFEST_FORMAT, manifestPath, manifestText, OPERATIONS_DIR, type ManifestOperation, type PersistedQueryManifest } from './manifest.js';
import { FIRST_PARTY_AUDIENCES } from './mode.js';
import { staticCost } from './static-cost.js';

/** One or more operation files that cannot be trusted documents; the message names every file and problem. */
export class ManifestBuildError extends Error {
  override readonly name = 'ManifestBuildError';
  constructor(readonly problems: string[]) {
    super(`Trusted documents do not build:\n- ${problems.join('\n- ')}`);
  }
}

interface BuildScope {
  schema: GraphQLSchema;
  model: CostModel;
  limits: ReturnType<typeof loadConfig>;
}

/** Checks one file and turns it into a manifest entry; throws a message naming what is wrong. */
function buildOperation(scope: BuildScope, file: string, source: string): ManifestOperation {
  const body = canonicalDocument(source, scope.limits.maxTokens);
  const document = parse(body, { noLocation: true });
  const errors = validate(scope.schema, document, [...specifiedRules, ...shapeLimitRules(scope.limits.shapeLimits)]);
  if (errors.length > 0) throw new Error(errors.map((e) => e.message).join(' '));
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const operation = operations[0];
  if (operations.length !== 1 || !operation) throw new Error('a file holds exactly one operation (fragments may sit beside it)');
  const name = operation.name?.value;
  if (name !== basename(file, '.graphql')) throw new Error(`the operation must be named after its file (${basename(file, '.graphql')})`);
  if (operation.operation === 'subscription') throw new Error('subscriptions are not served');
  // Pricing also refuses `first:` literals and defaults outside 1–100, which every request would hit.
  const cost = staticCost(scope.schema, scope.model, document, operation);
  return { id: documentId(body), name, type: operation.operation, body, file, cost };
}

/**
 * Builds an audience's manifest from `operations/<audience>/*.graphql`
 * (sorted by file name). Throws ManifestBuildError listing every problem:
 * a syntax or validation error, a limit the default gateway enforces, a name
 * that is not its file's (so names, and so documents, are unique).
 */
export function buildManifest(audience: Audience, dir = OPERATIONS_DIR): PersistedQueryManifest {
  const schema = buildSchema(audienceTypeDefs(audience).join('\n'));
  // The gateway's default limits: a document the default gateway would refuse cannot be trusted.
  const scope: BuildScope = { schema, model: buildCostModel(schema), limits: loadConfig({}) };
  const folder = `${dir}${audience}/`;
  const files = readdirSync(folder).filter((f) => f.endsWith('.graphql')).sort();
  const operations: ManifestOperation[] = [];
  const problems: string[] = [];
  for (const name of files) {
    const file = `operations/${audience}/${name}`;
    try {
      operations.push(buildOperation(scope, file, readFileSync(`${folder}${name}`, 'utf8')));
    } catch (error) {
      problems.push(`${file}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (problems.length > 0) throw new ManifestBuildError(problems);
  return { format: MANIFEST_FORMAT, version: 1, operations };
}

/** Writes every app's manifest; returns the paths written. */
export function writeManifests(dir = OPERATIONS_DIR): string[] {
  return FIRST_PARTY_AUDIENCES.map((audience) => {
    const path = manifestPath(audience, dir);
    writeFileSync(path, manifestText(buildManifest(audience, dir)));
    return path;
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    for (const path of writeManifests()) process.stdout.write(`wrote ${path}\n`);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
