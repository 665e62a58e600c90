import { isIntrospectionType, isObjectType, type GraphQLSchema } from 'graphql';
import type { RuleTree } from './rules.js';

/**
 * Every `Type.field` of the schema's object types (Query, Mutation and the
 * rest; introspection types excluded) that has no explicit rule in `tree`.
 * Empty means the tree is complete; anything listed would fall to deny.
 */
export function fieldsWithoutRules(schema: GraphQLSchema, tree: RuleTree): string[] {
  const missing: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || isIntrospectionType(type)) continue;
    const rules = tree[type.name];
    for (const field of Object.keys(type.getFields())) {
      if (!rules || !Object.hasOwn(rules, field)) missing.push(`${type.name}.${field}`);
    }
  }
  return missing;
}
