import {
  getNamedType,
  getNullableType,
  isCompositeType,
  isListType,
  isObjectType,
  isInterfaceType,
  valueFromASTUntyped,
  type ConstDirectiveNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';

/** `@listSize` on a field (IBM GraphQL Cost Directive specification, §"@listSize"). */
export interface ListSize {
  assumedSize: number | undefined;
  slicingArguments: string[];
  sizedFields: string[];
  requireOneSlicingArgument: boolean;
}

export interface FieldCost {
  /** `@cost(weight:)` on the field, when given. */
  weight: number | undefined;
  listSize: ListSize | undefined;
  /** `@cost` on the field's arguments, by argument name. */
  argumentWeights: ReadonlyMap<string, number>;
}

/** Default weights of the spec: composite types 1, scalars and enums 0; root mutation fields 10. */
export const DEFAULT_COMPOSITE_WEIGHT = 1;
export const DEFAULT_LEAF_WEIGHT = 0;
export const DEFAULT_MUTATION_WEIGHT = 10;

/**
 * The schema's cost directives, read once at start-up so pricing a request
 * is map look-ups only.
 */
export interface CostModel {
  field(typeName: string, fieldName: string): FieldCost | undefined;
  /** `@cost` on an object type, scalar or enum. */
  typeWeight(type: GraphQLNamedType): number | undefined;
}

function directive(nodes: readonly ConstDirectiveNode[] | undefined, name: string): Record<string, unknown> | undefined {
  const node = nodes?.find((d) => d.name.value === name);
  if (!node) return undefined;
  return Object.fromEntries((node.arguments ?? []).map((arg) => [arg.name.value, valueFromASTUntyped(arg.value)]));
}

function weightOf(nodes: readonly ConstDirectiveNode[] | undefined): number | undefined {
  const cost = directive(nodes, 'cost');
  if (!cost) return undefined;
  const weight = Number(cost['weight']);
  if (!Number.isFinite(weight) || weight < 0) throw new Error(`@cost(weight: "${String(cost['weight'])}") is not a non-negative number`);
  return weight;
}

function listSizeOf(field: GraphQLField<unknown, unknown>): ListSize | undefined {
  const raw = directive(field.astNode?.directives, 'listSize');
  if (!raw) return undefined;
  const strings = (value: unknown) => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);
  return {
    assumedSize: typeof raw['assumedSize'] === 'number' ? raw['assumedSize'] : undefined,
    slicingArguments: strings(raw['slicingArguments']),
    sizedFields: strings(raw['sizedFields']),
    requireOneSlicingArgument: raw['requireOneSlicingArgument'] !== false,
  };
}

/**
 * Reads `@cost` / `@listSize` from the schema's SDL and checks that every
 * list field is bounded: it has `@listSize` with an `assumedSize` or slicing
 * arguments, or every field returning its type sizes it through
 * `sizedFields`. An unbounded list makes the schema fail to load, because its
 * cost could not be estimated.
 */
export function buildCostModel(schema: GraphQLSchema): CostModel {
  const fields = new Map<string, FieldCost>();
  const typeWeights = new Map<string, number>();
  const sizedBy = new Map<string, { sized: number; total: number }>();
  const problems: string[] = [];

  const types = Object.values(schema.getTypeMap()).filter((t) => !t.name.startsWith('__'));
  for (const type of types) {
    const weight = weightOf(type.astNode?.directives);
    if (weight !== undefined) typeWeights.set(type.name, weight);
  }
  for (const type of types) {
    if (!isObjectType(type) && !isInterfaceType(type)) continue;
    for (const field of Object.values(type.getFields())) {
      const listSize = listSizeOf(field);
      const argumentWeights = new Map<string, number>();
      for (const arg of field.args) {
        const w = weightOf(arg.astNode?.directives);
        if (w !== undefined) argumentWeights.set(arg.name, w);
      }
      fields.set(`${type.name}.${field.name}`, { weight: weightOf(field.astNode?.directives), listSize, argumentWeights });
      for (const slicing of listSize?.slicingArguments ?? []) {
        if (!field.args.some((a) => a.name === slicing)) problems.push(`${type.name}.${field.name}: no argument "${slicing}"`);
      }
      const returned = getNamedType(field.type);
      if (isCompositeType(returned)) {
        const entry = sizedBy.get(returned.name) ?? { sized: 0, total: 0 };
        entry.total += 1;
        sizedBy.set(returned.name, entry);
        for (const sized of listSize?.sizedFields ?? []) {
          const key = `${returned.name}.${sized}`;
          const e = sizedBy.get(key) ?? { sized: 0, total: 0 };
          e.sized += 1;
          sizedBy.set(key, e);
        }
      }
    }
  }
  for (const type of types) {
    if (!isObjectType(type) && !isInterfaceType(type)) continue;
    for (const field of Object.values(type.getFields())) {
      if (!isListType(getNullableType(field.type))) continue;
      const own = fields.get(`${type.name}.${field.name}`)?.listSize;
      if (own && (own.assumedSize !== undefined || own.slicingArguments.length > 0)) continue;
      const returners = sizedBy.get(type.name)?.total ?? 0;
      const sizers = sizedBy.get(`${type.name}.${field.name}`)?.sized ?? 0;
      if (returners > 0 && sizers === returners) continue;
      problems.push(`${type.name}.${field.name} is a list without @listSize (assumedSize or slicingArguments)`);
    }
  }
  if (problems.length > 0) throw new Error(`Unbounded or invalid cost directives:\n- ${problems.join('\n- ')}`);

  return {
    field: (typeName, fieldName) => fields.get(`${typeName}.${fieldName}`),
    typeWeight: (type) => typeWeights.get(type.name),
  };
}
