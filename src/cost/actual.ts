import {
  getArgumentValues,
  getNamedType,
  getNullableType,
  isAbstractType,
  isCompositeType,
  isListType,
  isObjectType,
  type FieldNode,
  type GraphQLCompositeType,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type SelectionSetNode,
} from 'graphql';
import { collectFields, subSelections } from './collect-fields.js';
import { argumentsWeight, baseWeight, type PriceScope } from './price.js';

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

/**
 * The cost of what an operation actually returned, with the same weights as
 * the estimate but real list lengths: a short page, an empty list or a null
 * object cost less than assumed (Shopify's "actual query cost"). A field that
 * resolved to null still costs its own weight: the work to fetch it was done.
 */
export function actualCost(
  scope: PriceScope,
  rootType: GraphQLObjectType,
  selectionSet: SelectionSetNode,
  data: unknown,
): number {
  const objectCost = (type: GraphQLCompositeType, sets: SelectionSetNode[], value: unknown): number => {
    if (!isRecord(value) || sets.length === 0) return 0;
    if (isAbstractType(type)) {
      const named = typeof value['__typename'] === 'string' ? scope.schema.getType(value['__typename']) : undefined;
      const candidates = isObjectType(named) ? [named] : scope.schema.getPossibleTypes(type);
      return Math.max(0, ...candidates.map((t) => objectCost(t, sets, value)));
    }
    if (!isObjectType(type)) return 0;
    let total = 0;
    for (const [key, nodes] of collectFields(scope, type, sets)) total += fieldCost(type, nodes, value[key]);
    return total;
  };

  const fieldCost = (parent: GraphQLObjectType, nodes: FieldNode[], value: unknown): number => {
    const first = nodes[0]!;
    if (first.name.value === '__typename') return 0;
    const field = parent.getFields()[first.name.value];
    if (!field) return 0;
    const cost = scope.model.field(parent.name, field.name);
    const base = baseWeight(scope, parent, field, cost);
    const named = getNamedType(field.type);
    const sets = subSelections(nodes);
    const unit = (item: unknown) => base + (isCompositeType(named) ? objectCost(named, sets, item) : 0);
    const items = (type: GraphQLOutputType, v: unknown): number => {
      const nullable = getNullableType(type);
      if (!isListType(nullable)) return unit(v);
      if (!Array.isArray(v)) return base;
      let sum = 0;
      for (const item of v) sum += items(nullable.ofType, item);
      return sum;
    };
    return argumentsWeight(cost, getArgumentValues(field, first, scope.variables)) + items(field.type, value);
  };

  return objectCost(rootType, [selectionSet], data);
}
