import {
  getDirectiveValues,
  getNamedType,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  isObjectType,
  Kind,
  type FieldNode,
  type FragmentSpreadNode,
  type GraphQLResolveInfo,
  type InlineFragmentNode,
  type SelectionSetNode,
} from 'graphql';
import { getArgumentValues } from 'graphql';

/** False when `@skip`/`@include` leave the selection out for this request's variables (as execution decides). */
function included(node: FieldNode | InlineFragmentNode | FragmentSpreadNode, variables: GraphQLResolveInfo['variableValues']): boolean {
  if (!node.directives?.length) return true;
  if (getDirectiveValues(GraphQLSkipDirective, node, variables)?.['if'] === true) return false;
  return getDirectiveValues(GraphQLIncludeDirective, node, variables)?.['if'] !== false;
}

/** Set by `fieldNodesUnder` when a selection it walked carried a directive: its answer then depends on the variables. */
interface Walk {
  conditional: boolean;
}

/** The field nodes named `name` selected under `parents`, through fragments (one level deep), as `@skip`/`@include` leave them. */
function fieldNodesUnder(info: GraphQLResolveInfo, parents: readonly FieldNode[], name: string, walked?: Walk): FieldNode[] {
  const found: FieldNode[] = [];
  const visited = new Set<string>();
  const walk = (set: SelectionSetNode | undefined): void => {
    for (const selection of set?.selections ?? []) {
      if (walked && selection.directives?.length) walked.conditional = true;
      if (!included(selection, info.variableValues)) continue;
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value === name) found.push(selection);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        walk(selection.selectionSet);
      } else if (!visited.has(selection.name.value)) {
        visited.add(selection.name.value);
        walk(info.fragments[selection.name.value]?.selectionSet);
      }
    }
  };
  for (const node of parents) walk(node.selectionSet);
  return found;
}

/** The child field nodes selected under the current field, through fragments (one level deep). */
function childFieldNodes(info: GraphQLResolveInfo, name: string): FieldNode[] {
  return fieldNodesUnder(info, info.fieldNodes, name);
}

/**
 * The coerced arguments of each occurrence of child field `name` under the
 * current field (several when aliased), or none when it is not selected.
 * Lets a parent start its children's upstream calls in the same tick as its
 * own, so independent services are asked in parallel instead of level by level.
 */
export function selectedChildArgs<Args>(info: GraphQLResolveInfo, name: string): Args[] {
  const parentType = getNamedType(info.returnType);
  if (!isObjectType(parentType)) return [];
  const definition = parentType.getFields()[name];
  if (!definition) return [];
  // Validation has already checked the arguments against the field's definition: `Args` is what it declares.
  return childFieldNodes(info, name).map((node) => getArgumentValues(definition, node, info.variableValues) as Args);
}

/** Whether any of `names` is selected under the current field. */
export function selectsAnyChild(info: GraphQLResolveInfo, names: readonly string[]): boolean {
  return names.some((name) => childFieldNodes(info, name).length > 0);
}

/**
 * Answers of `selectsAnyAt` that depend on the document only (no directive on
 * the way), per field: compiled plans hand every request the same field
 * nodes, so a list's lookahead is walked once per document, not per request.
 */
const documentAnswers = new WeakMap<readonly FieldNode[], Map<string, boolean>>();

/**
 * Whether any of `names` is selected at `path` below the current field
 * (`['edges', 'node']` for a connection's items), through fragments at every
 * level, as `@skip`/`@include` leave the selection.
 */
export function selectsAnyAt(info: GraphQLResolveInfo, path: readonly string[], names: readonly string[]): boolean {
  const key = `${path.join('.')}:${names.join(',')}`;
  const known = documentAnswers.get(info.fieldNodes)?.get(key);
  if (known !== undefined) return known;
  const walked: Walk = { conditional: false };
  let level: readonly FieldNode[] = info.fieldNodes;
  let answer: boolean | undefined;
  for (const step of path) {
    level = fieldNodesUnder(info, level, step, walked);
    if (level.length === 0) {
      answer = false;
      break;
    }
  }
  answer ??= names.some((name) => fieldNodesUnder(info, level, name, walked).length > 0);
  if (!walked.conditional) {
    let answers = documentAnswers.get(info.fieldNodes);
    if (!answers) documentAnswers.set(info.fieldNodes, (answers = new Map()));
    answers.set(key, answer);
  }
  return answer;
}
