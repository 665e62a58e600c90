import {
  getArgumentValues,
  getNamedType,
  getNullableType,
  GraphQLError,
  isAbstractType,
  isCompositeType,
  isListType,
  isObjectType,
  type FieldNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLOutputType,
} from 'graphql';
import { ErrorCode, gatewayError } from '../errors.js';
import { assertFirstInRange } from '../graphql/page-size.js';
import { collectFields, subSelections, type WalkScope } from './collect-fields.js';
import {
  DEFAULT_COMPOSITE_WEIGHT,
  DEFAULT_LEAF_WEIGHT,
  DEFAULT_MUTATION_WEIGHT,
  type CostModel,
  type FieldCost,
} from './model.js';

/** Field visits allowed per pricing; with memoisation a real document needs far fewer. */
const MAX_WORK = 50_000;

export interface PriceScope extends WalkScope {
  model: CostModel;
}

/** The weight a field adds per item, and its argument weights (IBM spec defaults when no `@cost`). */
export function baseWeight(scope: PriceScope, parent: GraphQLObjectType, field: GraphQLField<unknown, unknown>, cost: FieldCost | undefined): number {
  if (cost?.weight !== undefined) return cost.weight;
  const named = getNamedType(field.type);
  const typeWeight = scope.model.typeWeight(named);
  if (typeWeight !== undefined) return typeWeight;
  if (parent === scope.schema.getMutationType()) return DEFAULT_MUTATION_WEIGHT;
  return isCompositeType(named) ? DEFAULT_COMPOSITE_WEIGHT : DEFAULT_LEAF_WEIGHT;
}

/** Sum of `@cost` weights of the arguments the request actually gives. */
export function argumentsWeight(cost: FieldCost | undefined, args: Record<string, unknown>): number {
  let total = 0;
  for (const [name, weight] of cost?.argumentWeights ?? []) if (args[name] !== undefined && args[name] !== null) total += weight;
  return total;
}

/**
 * What one introspection field (`__schema`, `__type`; each alias again) costs,
 * estimated and actual alike. It was free, so an anonymous caller could ask
 * the public API for thirty 7 KB schema walks at a time, endlessly; a
 * playground's one schema load a page costs a tenth of a free bucket.
 */
export const INTROSPECTION_COST = 100;

/**
 * Estimated cost of an operation (IBM GraphQL Cost Directive specification):
 * each field costs its weight (plus its given arguments' weights), a list
 * multiplies its items' cost by its size — the slicing argument's value with
 * this request's variables and defaults, or `assumedSize`; `sizedFields` pass
 * the size down to e.g. `edges`; abstract types take the most expensive
 * possible type; `__typename` is free. Memoised per (type, field nodes, size),
 * so fragments spread many times are priced once and the walk stays linear.
 */
export function estimateCost(scope: PriceScope, rootType: GraphQLObjectType, selectionSet: FieldNode['selectionSet']): number {
  const ids = new WeakMap<FieldNode, number>();
  const memo = new Map<string, number>();
  let work = 0;
  let nextId = 0;
  const idOf = (node: FieldNode): number => {
    let id = ids.get(node);
    if (id === undefined) {
      id = ++nextId;
      ids.set(node, id);
    }
    return id;
  };

  const selectionCost = (type: GraphQLCompositeType, sets: FieldNode['selectionSet'][], sized: ReadonlyMap<string, number>): number => {
    const present = sets.filter((s): s is NonNullable<typeof s> => s !== undefined);
    if (present.length === 0) return 0;
    if (isAbstractType(type)) {
      return Math.max(0, ...scope.schema.getPossibleTypes(type).map((t) => selectionCost(t, present, sized)));
    }
    if (!isObjectType(type)) return 0;
    let total = 0;
    for (const nodes of collectFields(scope, type, present).values()) total += fieldCost(type, nodes, sized);
    return total;
  };

  const fieldCost = (parent: GraphQLObjectType, nodes: FieldNode[], sized: ReadonlyMap<string, number>): number => {
    const first = nodes[0]!;
    const name = first.name.value;
    if (name === '__typename') return 0;
    if (name === '__schema' || name === '__type') return INTROSPECTION_COST;
    const field = parent.getFields()[name];
    if (!field) return 0;
    const key = `${parent.name}|${nodes.map(idOf).join(',')}|${sized.get(name) ?? ''}`;
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    if (++work > MAX_WORK) {
      throw new GraphQLError('The operation is too complex to price.', {
        extensions: { code: ErrorCode.QUERY_TOO_EXPENSIVE, http: { status: 400 } },
      });
    }
    const cost = scope.model.field(parent.name, name);
    const args = getArgumentValues(field, first, scope.variables);
    assertFirstInRange(field.name, args['first']);
    const { multiplier, childSizes } = listSizing(field.type, cost, args, sized.get(name));
    const named = getNamedType(field.type);
    const children = isCompositeType(named) ? selectionCost(named, subSelections(nodes), childSizes) : 0;
    const total = argumentsWeight(cost, args) + multiplier * (baseWeight(scope, parent, field, cost) + children);
    memo.set(key, total);
    return total;
  };

  try {
    return selectionCost(rootType, [selectionSet], new Map());
  } catch (error) {
    // graphql-js reading an argument or a `@skip`/`@include` with the request's variables throws without a code when
    // a nullable variable with a default (GraphQL spec §5.8.5, "All Variable Usages Are Allowed") stands where a value
    // must be and is sent as `null`: an input problem, HTTP 400 before anything runs (it was answered as a 500).
    if (error instanceof GraphQLError && error.extensions['code'] === undefined) {
      throw gatewayError(ErrorCode.BAD_USER_INPUT, error.message, { status: 400 });
    }
    throw error;
  }
}

function listSizing(
  type: GraphQLOutputType,
  cost: FieldCost | undefined,
  args: Record<string, unknown>,
  sizedByParent: number | undefined,
): { multiplier: number; childSizes: ReadonlyMap<string, number> } {
  const listSize = cost?.listSize;
  let size = sizedByParent;
  if (listSize) {
    const sliced = listSize.slicingArguments.map((a) => args[a]).filter((v): v is number => typeof v === 'number');
    if (listSize.requireOneSlicingArgument && listSize.slicingArguments.length > 0 && sliced.length !== 1) {
      // An input problem (a generated client sends `first: null` for an unset optional variable), said as one.
      const names = listSize.slicingArguments.map((a) => `\`${a}\``).join(' or ');
      throw new GraphQLError(`${names} must be a number: leave it out for its default, never null.`, {
        extensions: { code: ErrorCode.BAD_USER_INPUT, http: { status: 400 } },
      });
    }
    size = sliced.length > 0 ? Math.max(...sliced) : listSize.assumedSize;
    if (listSize.sizedFields.length > 0) {
      return { multiplier: 1, childSizes: new Map(listSize.sizedFields.map((f) => [f, size ?? 0])) };
    }
  }
  const isList = isListType(getNullableType(type));
  return { multiplier: isList ? Math.max(0, size ?? 1) : 1, childSizes: new Map() };
}
