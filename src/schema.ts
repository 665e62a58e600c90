import { readdirSync, readFileSync } from 'node:fs';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { GraphQLSchema } from 'graphql';
import { mobileResolvers } from '../resolvers/mobile/index.js';
import { publicResolvers } from '../resolvers/public/index.js';
import { webResolvers } from '../resolvers/web/index.js';
import type { Audience } from './context.js';
import { withPermissions } from './permissions/index.js';
import { projectDir } from './project-root.js';

const SCHEMA_DIR = projectDir('schema');

/** The SDL of one audience: the shared types plus the audience's own folder, in a stable order. */
export function audienceTypeDefs(audience: Audience): string[] {
  return ['shared', audience].flatMap((folder) =>
    readdirSync(`${SCHEMA_DIR}${folder}`)
      .filter((file) => file.endsWith('.graphql'))
      .sort()
      .map((file) => readFileSync(`${SCHEMA_DIR}${folder}/${file}`, 'utf8')),
  );
}

const RESOLVERS = { mobile: mobileResolvers, web: webResolvers, public: publicResolvers } as const;

/**
 * Builds an audience's executable schema with its permission rules applied;
 * fails at start-up if SDL, resolvers and rule tree disagree.
 */
export function buildAudienceSchema(audience: Audience): GraphQLSchema {
  const schema = makeExecutableSchema({
    typeDefs: audienceTypeDefs(audience),
    resolvers: RESOLVERS[audience],
    resolverValidationOptions: { requireResolversToMatchSchema: 'error', requireResolversForResolveType: 'error' },
  });
  return withPermissions(audience, schema);
}
