import type { GraphQLSchema } from 'graphql';
import type { Audience } from '../context.js';
import { guardSchema } from './guard-schema.js';
import { mobileRules } from './mobile.js';
import { publicRules } from './public.js';
import type { RuleTree } from './rules.js';
import { webRules } from './web.js';

export { fieldsWithoutRules } from './coverage.js';
export type { RuleTree } from './rules.js';
export { viewerId } from './viewer.js';

/** Each audience's rule tree (one file per audience). */
export const RULE_TREES: Readonly<Record<Audience, RuleTree>> = { mobile: mobileRules, web: webRules, public: publicRules };

/**
 * The audience's schema with its permission rules applied to the fields
 * whose rule decides something (src/permissions/guard-schema.ts). Deny by
 * default is enforced at start-up: a field without a rule, a rule naming a
 * field the schema lacks, or a way around an `inside` guard stops the
 * gateway from starting, with the offending fields named. graphql-shield is
 * imported only in this folder.
 */
export function withPermissions(audience: Audience, schema: GraphQLSchema, rules: RuleTree = RULE_TREES[audience]): GraphQLSchema {
  return guardSchema(schema, rules, `src/permissions/${audience}.ts`);
}
