import type { GraphQLSchema } from 'graphql';
import type { Audience, Context } from '../context.js';
import { denied } from './denial.js';
import { mobileRules } from './mobile.js';
import { publicRules } from './public.js';
import type { RuleTree } from './rules.js';
import { applyMiddleware, deny, shield } from './shield.js';
import { webRules } from './web.js';

export { fieldsWithoutRules } from './coverage.js';
export type { RuleTree } from './rules.js';
export { viewerId } from './viewer.js';

/** Each audience's rule tree (one file per audience). */
export const RULE_TREES: Readonly<Record<Audience, RuleTree>> = { mobile: mobileRules, web: webRules, public: publicRules };

/**
 * Shield's defaults are unsafe for us (DESIGN.md "Known traps"): a field
 * without a rule is denied, not allowed; a denial is a GraphQLError with our
 * code (the default is one shared plain Error reported as INTERNAL_SERVER_ERROR);
 * resolver errors pass through untouched so `formatError` can map upstream
 * failures to their codes and mask the rest.
 */
const SHIELD_OPTIONS = {
  debug: false,
  allowExternalErrors: true,
  fallbackRule: deny,
  // Shield hands back the context Apollo built for this request.
  fallbackError: (_error: unknown, _parent: object, _args: object, ctx: object) => denied(ctx as Context),
  // Used only by `strict`-cached rules; ours key their cache by the id that decides them instead.
  hashFunction: ({ parent, args }: { parent: unknown; args: unknown }) => JSON.stringify([parent, args]),
};

/**
 * The audience's schema with its permission rules wrapped around every field
 * resolver (graphql-shield through graphql-middleware, both imported only in
 * this module). Throws at start-up if a rule names a type or field the schema
 * lacks.
 */
export function withPermissions(audience: Audience, schema: GraphQLSchema): GraphQLSchema {
  return applyMiddleware(schema, shield(RULE_TREES[audience], SHIELD_OPTIONS));
}
