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

/** Set by `eachFieldUnder` when a selection it walked carried a directive: what it found then depends on the variables. */
interface Walk {
  conditional: boolean;
}

/** Visits each field selected under `parents`, through fragments (one level deep), as `@skip`/`@include` leave them. */
function eachFieldUnder(info: GraphQLResolveInfo, parents: readonly FieldNode[], visit: (field: FieldNode) => void, walked?: Walk): void {
  const visited = new Set<string>();
  const walk = (set: SelectionSetNode | undefined): void => {
    for (const selection of set?.selections ?? []) {
      if (walked && selection.directives?.length) walked.conditional = true;
      if (!included(selection, info.variableValues)) continue;
      if (selection.kind === Kind.FIELD) {
        visit(selection);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        walk(selection.selectionSet);
      } else if (!visited.has(selection.name.value)) {
        visited.add(selection.name.value);
        walk(info.fragments[selection.name.value]?.selectionSet);
      }
    }
  };
  for (const node of parents) walk(node.selectionSet);
}

/** The field nodes named `name` selected under `parents`. */
function fieldNodesUnder(info: GraphQLResolveInfo, parents: readonly FieldNode[], name: string, walked?: Walk): FieldNode[] {
  const found: FieldNode[] = [];
  eachFieldUnder(info, parents, (field) => {
    if (field.name.value === name) found.push(field);
  }, walked);
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

const NOTHING: ReadonlySet<string> = new Set();

/**
 * What `fieldsSelectedAt` found where no directive was on the way, per field
 * and path: compiled plans hand every request the same field nodes, so a
 * document's lookahead is walked once, not per request.
 */
const documentSelections = new WeakMap<readonly FieldNode[], Map<string, ReadonlySet<string>>>();

/**
 * The names of the fields selected at `path` below the current field (`[]`:
 * its children; `['edges', 'node']`: a connection's items), through fragments
 * at every level, as `@skip`/`@include` leave the selection.
 */
export function fieldsSelectedAt(info: GraphQLResolveInfo, path: readonly string[]): ReadonlySet<string> {
  const key = path.join('.');
  const known = documentSelections.get(info.fieldNodes)?.get(key);
  if (known) return known;
  const walked: Walk = { conditional: false };
  let level: readonly FieldNode[] = info.fieldNodes;
  for (const step of path) {
    if (level.length === 0) break;
    level = fieldNodesUnder(info, level, step, walked);
  }
  let names = NOTHING;
  if (level.length > 0) {
    const found = new Set<string>();
    eachFieldUnder(info, level, (field) => found.add(field.name.value), walked);
    names = found;
  }
  if (!walked.conditional) {
    let selections = documentSelections.get(info.fieldNodes);
    if (!selections) documentSelections.set(info.fieldNodes, (selections = new Map()));
    selections.set(key, names);
  }
  return names;
}

/** Whether any of `names` is selected under the current field. */
export function selectsAnyChild(info: GraphQLResolveInfo, names: readonly string[]): boolean {
  const selected = fieldsSelectedAt(info, []);
  return names.some((name) => selected.has(name));
}
