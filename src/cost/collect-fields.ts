import {
  getDirectiveValues,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  isAbstractType,
  Kind,
  typeFromAST,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLObjectType,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';

export interface WalkScope {
  schema: GraphQLSchema;
  fragments: Readonly<Record<string, FragmentDefinitionNode>>;
  variables: Readonly<Record<string, unknown>>;
}

function included(scope: WalkScope, node: FieldNode | SelectionSetNode['selections'][number]): boolean {
  if (!node.directives?.length) return true;
  const skip = getDirectiveValues(GraphQLSkipDirective, node, scope.variables);
  if (skip?.['if'] === true) return false;
  const include = getDirectiveValues(GraphQLIncludeDirective, node, scope.variables);
  return include?.['if'] !== false;
}

function conditionApplies(scope: WalkScope, condition: FragmentDefinitionNode['typeCondition'] | undefined, type: GraphQLObjectType): boolean {
  if (!condition) return true;
  const conditional = typeFromAST(scope.schema, condition);
  if (!conditional) return false;
  if (conditional === type) return true;
  return isAbstractType(conditional) && scope.schema.isSubType(conditional, type);
}

/**
 * The fields a selection applies to an object type, grouped by response key
 * (GraphQL spec §6.3.2 CollectFields): `@skip` / `@include` honoured with the
 * request's variables, fragments applied when their type condition matches,
 * each fragment spread at most once per selection, so `{ a a a }` is one field.
 */
export function collectFields(
  scope: WalkScope,
  type: GraphQLObjectType,
  selectionSets: readonly SelectionSetNode[],
): Map<string, FieldNode[]> {
  const fields = new Map<string, FieldNode[]>();
  const visited = new Set<string>();
  const walk = (set: SelectionSetNode): void => {
    for (const selection of set.selections) {
      if (!included(scope, selection)) continue;
      if (selection.kind === Kind.FIELD) {
        const key = selection.alias?.value ?? selection.name.value;
        const list = fields.get(key);
        if (list) list.push(selection);
        else fields.set(key, [selection]);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        if (conditionApplies(scope, selection.typeCondition, type)) walk(selection.selectionSet);
      } else {
        const name = selection.name.value;
        if (visited.has(name)) continue;
        visited.add(name);
        const fragment = scope.fragments[name];
        if (fragment && conditionApplies(scope, fragment.typeCondition, type)) walk(fragment.selectionSet);
      }
    }
  };
  for (const set of selectionSets) walk(set);
  return fields;
}

/** The merged sub-selections of the fields sharing one response key. */
export function subSelections(nodes: readonly FieldNode[]): SelectionSetNode[] {
  return nodes.flatMap((node) => (node.selectionSet ? [node.selectionSet] : []));
}
