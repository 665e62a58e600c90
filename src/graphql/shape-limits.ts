import {
  GraphQLError,
  Kind,
  type ASTVisitor,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';

export interface ShapeLimits {
  maxDepth: number;
  maxAliases: number;
  maxDirectives: number;
}

/**
 * Depth of the deepest field path of each operation, through fragments
 * (each fragment's depth computed once). Introspection fields are not
 * counted: GraphiQL's own schema query is deeper than any app query.
 */
export function depthLimitRule(maxDepth: number): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const d of context.getDocument().definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
    const memo = new Map<string, number>();
    const visiting = new Set<string>();
    const depth = (set: SelectionSetNode | undefined): number => {
      let deepest = 0;
      for (const s of set?.selections ?? []) {
        if (s.kind === Kind.FIELD) {
          if (s.name.value.startsWith('__')) continue;
          deepest = Math.max(deepest, 1 + depth(s.selectionSet));
        } else if (s.kind === Kind.INLINE_FRAGMENT) {
          deepest = Math.max(deepest, depth(s.selectionSet));
        } else {
          const name = s.name.value;
          if (visiting.has(name)) continue; // a cycle: NoFragmentCyclesRule reports it
          let d = memo.get(name);
          if (d === undefined) {
            visiting.add(name);
            d = depth(fragments.get(name)?.selectionSet);
            visiting.delete(name);
            memo.set(name, d);
          }
          deepest = Math.max(deepest, d);
        }
      }
      return deepest;
    };
    return {
      OperationDefinition(node) {
        const d = depth(node.selectionSet);
        if (d > maxDepth) {
          context.reportError(new GraphQLError(`Query depth ${d} exceeds the maximum of ${maxDepth}.`, { nodes: [node] }));
        }
      },
    };
  };
}

/** At most `max` aliased fields in the whole document (alias flooding multiplies work cheaply). */
export function aliasLimitRule(max: number): ValidationRule {
  return (context) => {
    let count = 0;
    return {
      Field(node) {
        if (node.alias && ++count === max + 1) {
          context.reportError(new GraphQLError(`More than ${max} aliases in one document.`, { nodes: [node] }));
        }
      },
    };
  };
}

/** At most `max` directives on the document's selections (directive overloading). */
export function directiveLimitRule(max: number): ValidationRule {
  return (context) => {
    let count = 0;
    return {
      Directive(node) {
        if (++count === max + 1) {
          context.reportError(new GraphQLError(`More than ${max} directives in one document.`, { nodes: [node] }));
        }
      },
    };
  };
}

/**
 * An operation whose root type the schema does not have: a subscription on any audience, a mutation on the
 * public one. graphql-js's validation lets it through and its execution then fails with an internal error (a
 * 200 with `INTERNAL_SERVER_ERROR`, logged as the gateway's failure); it is the client's invalid request.
 */
export const servedOperationTypeRule: ValidationRule = (context) => ({
  OperationDefinition(node) {
    const schema = context.getSchema();
    const root =
      node.operation === 'query' ? schema.getQueryType() : node.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
    if (root) return;
    const message =
      node.operation === 'subscription'
        ? 'Subscriptions are not supported: this API answers queries and mutations over HTTP; poll with a query instead.'
        : 'This API has no mutations: it answers queries only.';
    context.reportError(new GraphQLError(message, { nodes: [node] }));
  },
});

/** The three shape rules and the operation type check, run with graphql's own validation, before any cost is computed. */
export function shapeLimitRules(limits: ShapeLimits): ValidationRule[] {
  return [servedOperationTypeRule, depthLimitRule(limits.maxDepth), aliasLimitRule(limits.maxAliases), directiveLimitRule(limits.maxDirectives)];
}
