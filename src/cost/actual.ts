import {
  getArgumentValues,
  getNamedType,
  getNullableType,
  isAbstractType,
  isCompositeType,
  isListType,
  isObjectType,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  type FieldNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type SelectionSetNode,
} from 'graphql';
import { collectFields, subSelections } from './collect-fields.js';
import type { FieldCost } from './model.js';
import { argumentsWeight, baseWeight, INTROSPECTION_COST, type PriceScope } from './price.js';

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

/** One field of an object's selection: the response key its value is under, and how it is priced. */
interface FieldEntry {
  key: string;
  plan: FieldPlan;
}

/**
 * What `actualCost` works out from the document alone. An operation plan
 * keeps one for all its requests; it is valid while the collected fields do
 * not depend on the variables (no `@skip`/`@include` reading a variable), so
 * a plan for such a document passes none and each call builds its own.
 */
export interface ActualCostCache {
  /** Per object type and selection sets: the fields to price, in order, each with its plan (`__typename` and unknown fields left out). */
  shapes: Map<GraphQLObjectType, WeakMap<readonly SelectionSetNode[], readonly FieldEntry[]>>;
  /** Each root selection set as a one-element list kept for good, so the root's shape is worked out once as well. */
  roots: WeakMap<SelectionSetNode, readonly SelectionSetNode[]>;
}

/** An empty cache for `actualCost`. */
export function createActualCostCache(): ActualCostCache {
  return { shapes: new Map(), roots: new WeakMap() };
}

/**
 * The cost of what an operation actually returned, with the same weights as
 * the estimate but real list lengths: a short page, an empty list or a null
 * object cost less than assumed (Shopify's "actual query cost"). A field that
 * resolved to null still costs its own weight: the work to fetch it was done.
 * One pass over the data, allocating nothing per value; everything that
 * depends on the document only comes from `cache`.
 */
export function actualCost(
  scope: PriceScope,
  rootType: GraphQLObjectType,
  selectionSet: SelectionSetNode,
  data: unknown,
  cache: ActualCostCache = createActualCostCache(),
): number {
  const { shapes, roots } = cache;
  const planOf = (parent: GraphQLObjectType, nodes: FieldNode[]): FieldPlan | null => {
    const first = nodes[0]!;
    // Introspection costs what it was estimated at (nothing refunded), whatever it returned.
    const meta = first.name.value === '__schema' ? SchemaMetaFieldDef : first.name.value === '__type' ? TypeMetaFieldDef : undefined;
    if (meta) return { base: INTROSPECTION_COST, cost: undefined, field: meta, node: first, type: meta.type, named: null, sets: [] };
    const field = first.name.value === '__typename' ? undefined : parent.getFields()[first.name.value];
    if (!field) return null;
    const cost = scope.model.field(parent.name, field.name);
    const named = getNamedType(field.type);
    return {
      base: baseWeight(scope, parent, field, cost),
      cost,
      field,
      node: first,
      type: field.type,
      named: isCompositeType(named) ? named : null,
      sets: subSelections(nodes),
    };
  };
  const shapeOf = (type: GraphQLObjectType, sets: readonly SelectionSetNode[]): readonly FieldEntry[] => {
    let byType = shapes.get(type);
    if (!byType) shapes.set(type, (byType = new WeakMap()));
    let shape = byType.get(sets);
    if (!shape) {
      const entries: FieldEntry[] = [];
      for (const [key, nodes] of collectFields(scope, type, sets)) {
        const plan = planOf(type, nodes);
        if (plan) entries.push({ key, plan });
      }
      byType.set(sets, (shape = entries));
    }
    return shape;
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
    const shape = shapeOf(type, sets);
    let total = 0;
    for (let i = 0; i < shape.length; i += 1) {
      const { key, plan } = shape[i]!;
      total += argsWeight(plan) + items(plan, plan.type, value[key]);
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

  let root = roots.get(selectionSet);
  if (!root) roots.set(selectionSet, (root = [selectionSet]));
  return objectCost(rootType, root, data);
}
