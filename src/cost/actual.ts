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
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type SelectionSetNode,
} from 'graphql';
import { collectFields, subSelections } from './collect-fields.js';
import type { FieldCost } from './model.js';
import { argumentsWeight, baseWeight, type PriceScope } from './price.js';

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

/** What a field adds per value, worked out once per field node: none of it depends on the data or the variables. */
interface FieldPlan {
  base: number;
  cost: FieldCost | undefined;
  field: GraphQLField<unknown, unknown>;
  node: FieldNode;
  type: GraphQLOutputType;
  named: GraphQLCompositeType | null;
  sets: SelectionSetNode[];
}

/**
 * What `actualCost` works out from the document alone. An operation plan
 * keeps one for all its requests; it is valid while the collected fields do
 * not depend on the variables (no `@skip`/`@include` reading a variable), so
 * a plan for such a document passes none and each call builds its own.
 */
export interface ActualCostCache {
  collected: Map<GraphQLObjectType, WeakMap<readonly SelectionSetNode[], Map<string, FieldNode[]>>>;
  fields: Map<GraphQLObjectType, WeakMap<FieldNode, FieldPlan | null>>;
}

/** An empty cache for `actualCost`. */
export function createActualCostCache(): ActualCostCache {
  return { collected: new Map(), fields: new Map() };
}

/**
 * The cost of what an operation actually returned, with the same weights as
 * the estimate but real list lengths: a short page, an empty list or a null
 * object cost less than assumed (Shopify's "actual query cost"). A field that
 * resolved to null still costs its own weight: the work to fetch it was done.
 * One pass over the data; everything that depends on the document only comes
 * from `cache`.
 */
export function actualCost(
  scope: PriceScope,
  rootType: GraphQLObjectType,
  selectionSet: SelectionSetNode,
  data: unknown,
  cache: ActualCostCache = createActualCostCache(),
): number {
  const { collected, fields: plans } = cache;
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
        cost,
        field,
        node: first,
        type: field.type,
        named: isCompositeType(named) ? named : null,
        sets: subSelections(nodes),
      };
    }
    byType.set(first, plan);
    return plan;
  };
  // Argument weights read this request's variables; most fields have none, so nothing is read for them.
  const argsWeight = (plan: FieldPlan): number =>
    plan.cost && plan.cost.argumentWeights.size > 0 ? argumentsWeight(plan.cost, getArgumentValues(plan.field, plan.node, scope.variables)) : 0;

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
      if (plan) total += argsWeight(plan) + items(plan, plan.type, value[key]);
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
