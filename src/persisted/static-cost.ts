import {
  getNamedType,
  isInputType,
  isNonNullType,
  typeFromAST,
  valueFromAST,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import type { CostModel } from '../cost/model.js';
import { estimateCost } from '../cost/price.js';
import { MAX_PAGE_SIZE } from '../pagination.js';
import type { StaticCost } from './manifest.js';

/** Stands in for a required variable whose value cannot change a price (an id, an input object). */
const NEUTRAL = 'static-pricing';

/** The variables an operation is priced with at build time, and the ones among them that can change a price. */
export interface PricingVariables {
  variables: Record<string, unknown>;
  assuming: StaticCost['assuming'];
}

/**
 * Each variable at its declared default; without one, Int and Float at the
 * largest page (100, so a slicing argument gives its worst case) and Boolean
 * `true`. Other values only matter by being present, so required ones get a
 * neutral stand-in and optional ones are left out.
 */
export function pricingVariables(schema: GraphQLSchema, operation: OperationDefinitionNode): PricingVariables {
  const assuming: Record<string, number | boolean> = {};
  const variables: Record<string, unknown> = {};
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    const type = typeFromAST(schema, definition.type);
    if (!type) continue;
    const declared = definition.defaultValue && isInputType(type) ? valueFromAST(definition.defaultValue, type) : undefined;
    const named = getNamedType(type).name;
    let value: unknown = declared;
    if (value === undefined && (named === 'Int' || named === 'Float')) value = MAX_PAGE_SIZE;
    if (value === undefined && named === 'Boolean') value = true;
    if (value === undefined && isNonNullType(type)) value = NEUTRAL;
    if (value === undefined) continue;
    variables[name] = value;
    if (typeof value === 'number' || typeof value === 'boolean') assuming[name] = value;
  }
  return { variables, assuming };
}

/**
 * Prices an operation at build time with `pricingVariables` (IBM GraphQL
 * Cost Directive specification, the same estimator the cost plugin runs).
 * The result goes into the manifest for review; every request is still
 * priced with its own variables.
 */
export function staticCost(schema: GraphQLSchema, model: CostModel, document: DocumentNode, operation: OperationDefinitionNode): StaticCost {
  const { variables, assuming } = pricingVariables(schema, operation);
  const root =
    operation.operation === 'mutation' ? schema.getMutationType() : operation.operation === 'subscription' ? schema.getSubscriptionType() : schema.getQueryType();
  if (!root) throw new Error(`the schema has no ${operation.operation} type`);
  const fragments: Record<string, FragmentDefinitionNode> = Object.fromEntries(
    document.definitions.flatMap((d) => (d.kind === 'FragmentDefinition' ? [[d.name.value, d]] : [])),
  );
  return { estimate: estimateCost({ schema, fragments, variables, model }, root, operation.selectionSet), assuming };
}
