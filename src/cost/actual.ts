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

/** What a field adds per value, worked out once per field node: none of it depends on the data. */
interface FieldPlan {
  base: number;
  args: number;
  type: GraphQLOutputType;
  named: GraphQLCompositeType | null;
  sets: SelectionSetNode[];
}

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
  // Collected fields and field weights depend on the document only: worked out once per (type, selection),
  // not again for every list item (the per-item recomputation was ~20% of OrderHistory's CPU).
  const collected = new Map<GraphQLObjectType, WeakMap<readonly SelectionSetNode[], Map<string, FieldNode[]>>>();
  const plans = new Map<GraphQLObjectType, WeakMap<FieldNode, FieldPlan | null>>();
  const fieldsOf = (type: GraphQLObjectType, sets: readonly SelectionSetNode[]) => {
    let byType = collected.get(type);
    if (!byType) collected.set(type, (byType = new WeakMap()));
    let fields = byType.get(sets);
    if (!fields) byType.set(sets, (fields = collectFields(scope, type, sets)));
    return fields;
  };
  const planOf = (parent: GraphQLObjectType, nodes: FieldNode[]): FieldPlan | null => {
    const first = nodes[0]!;
    let byType = plans.get(parent);
    if (!byType) plans.set(parent, (byType = new WeakMap()));
    let plan = byType.get(first);
    if (plan !== undefined) return plan;
    const field = first.name.value === '__typename' ? undefined : parent.getFields()[first.name.value];
    if (!field) {
      plan = null;
    } else {
      const cost = scope.model.field(parent.name, field.name);
      const named = getNamedType(field.type);
      plan = {
        base: baseWeight(scope, parent, field, cost),
        args: argumentsWeight(cost, getArgumentValues(field, first, scope.variables)),
        type: field.type,
        named: isCompositeType(named) ? named : null,
        sets: subSelections(nodes),
      };
    }
    byType.set(first, plan);
    return plan;
  };

  function objectCost(type: GraphQLCompositeType, sets: readonly SelectionSetNode[], value: unknown): number {
    if (!isRecord(value) || sets.length === 0) return 0;
    if (isAbstractType(type)) {
      const named = typeof value['__typename'] === 'string' ? scope.schema.getType(value['__typename']) : undefined;
      const candidates = isObjectType(named) ? [named] : scope.schema.getPossibleTypes(type);
      return Math.max(0, ...candidates.map((t) => objectCost(t, sets, value)));
    }
    if (!isObjectType(type)) return 0;
    let total = 0;
    for (const [key, nodes] of fieldsOf(type, sets)) {
      const plan = planOf(type, nodes);
      if (plan) total += plan.args + items(plan, plan.type, value[key]);
    }
    return total;
  }

  function items(plan: FieldPlan, type: GraphQLOutputType, v: unknown): number {
    const nullable = getNullableType(type);
    if (!isListType(nullable)) return plan.base + (plan.named ? objectCost(plan.named, plan.sets, v) : 0);
    if (!Array.isArray(v)) return plan.base;
    let sum = 0;
    for (const item of v) sum += items(plan, nullable.ofType, item);
    return sum;
  }

  return objectCost(rootType, [selectionSet], data);
}
