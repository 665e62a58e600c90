/** Raw GraphQL-over-HTTP requests in the APQ wire format, and the committed manifests' operations. */
import { readFileSync } from 'node:fs';
import type { Audience } from '../../src/context.js';
import type { Gateway } from '../../src/gateway.js';
import { manifestPath, type ManifestOperation, type PersistedQueryManifest } from '../../src/persisted/manifest.js';
import type { GraphQLResponse } from '../helpers/gateway.js';

export interface Raw {
  status: number;
  headers: Headers;
  body: GraphQLResponse['body'];
}

/** `extensions` carrying an APQ hash. */
export const byHash = (sha256Hash: string) => ({ persistedQuery: { version: 1, sha256Hash } });

async function raw(response: Response): Promise<Raw> {
  return { status: response.status, headers: response.headers, body: (await response.json()) as Raw['body'] };
}

/** POSTs any JSON body to an audience's endpoint. */
export async function post(
  gateway: Pick<Gateway, 'url'>,
  audience: Audience,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<Raw> {
  return raw(
    await fetch(`${gateway.url}/${audience}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    }),
  );
}

/** GETs an operation with `extensions` and `variables` as JSON search parameters. */
export async function get(
  gateway: Pick<Gateway, 'url'>,
  audience: Audience,
  params: { extensions?: unknown; variables?: unknown; query?: string },
  headers: Record<string, string> = {},
): Promise<Raw> {
  const search = new URLSearchParams();
  if (params.query !== undefined) search.set('query', params.query);
  if (params.extensions !== undefined) search.set('extensions', JSON.stringify(params.extensions));
  if (params.variables !== undefined) search.set('variables', JSON.stringify(params.variables));
  return raw(await fetch(`${gateway.url}/${audience}/graphql?${search}`, { headers }));
}

/** One operation of an app's committed manifest, by name. */
export function trusted(audience: Audience, name: string): ManifestOperation {
  const manifest = JSON.parse(readFileSync(manifestPath(audience), 'utf8')) as PersistedQueryManifest;
  const operation = manifest.operations.find((o) => o.name === name);
  if (!operation) throw new Error(`${name} is not in the ${audience} manifest`);
  return operation;
}

/** The first error's code. */
export const codeOf = (r: Raw): unknown => r.body.errors?.[0]?.extensions?.['code'];

/** The pino lines a captured gateway wrote with this `msg`. */
export function logLines(lines: readonly string[], msg: string): Record<string, unknown>[] {
  return lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l['msg'] === msg);
}
