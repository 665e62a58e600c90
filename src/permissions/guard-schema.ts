import {
  defaultFieldResolver,
  getNamedType,
  isIntrospectionType,
  isObjectType,
  type GraphQLFieldResolver,
  type GraphQLObjectType,
  type GraphQLResolveInfo,
  type GraphQLSchema,
} from 'graphql';
import { allow } from 'graphql-shield';
import type { Context } from '../context.js';
import { fieldsWithoutRules } from './coverage.js';
import { decide, isPromise, type Verdict } from './decide.js';
import { placementOf, type Placement } from './placement.js';
import { nameOf } from './rule-name.js';
import type { RuleTree, ShieldRule } from './rules.js';

type Resolver = GraphQLFieldResolver<unknown, Context>;
const NO_ARGS = Object.freeze({});

/** True when `rule` is `guard` or a logic rule (`chain`, `and`, …) that contains it. */
function passes(rule: ShieldRule, guard: ShieldRule): boolean {
  if (rule === guard) return true;
  return 'getRules' in rule && rule.getRules().some((inner) => passes(inner, guard));
}

/** Resolves the field only after `rule` passed; its error otherwise. */
function checkedBefore(rule: ShieldRule, resolve: Resolver): Resolver {
  return (parent, args, ctx, info) => {
    const verdict = decide(rule, parent, args, ctx, info);
    if (verdict === true) return resolve(parent, args, ctx, info);
    if (isPromise<Verdict>(verdict)) {
      return verdict.then((v) => (v === true ? resolve(parent, args, ctx, info) : Promise.reject(v)));
    }
    throw verdict;
  };
}

/** The value (an object, a list of them, or a promise of either) once `owner` passed for every object in it. */
function admit(owner: ShieldRule, value: unknown, ctx: Context, info: GraphQLResolveInfo): unknown {
  if (isPromise(value)) return value.then((v) => admit(owner, v, ctx, info));
  if (value === null || value === undefined || value instanceof Error) return value;
  if (!Array.isArray(value)) {
    const verdict = decide(owner, value, NO_ARGS, ctx, info);
    if (verdict === true) return value;
    if (isPromise<Verdict>(verdict)) return verdict.then((v) => (v === true ? value : Promise.reject(v)));
    throw verdict;
  }
  let pending: Promise<unknown>[] | undefined;
  for (const item of value) {
    const admitted = admit(owner, item, ctx, info);
    if (isPromise(admitted)) (pending ??= []).push(admitted);
  }
  return pending ? Promise.all(pending).then(() => value) : value;
}

/** Resolves the field, then lets its value through only if `owner` passes for every object in it. */
function checkedAfter(owner: ShieldRule, resolve: Resolver): Resolver {
  return (parent, args, ctx, info) => admit(owner, resolve(parent, args, ctx, info), ctx, info);
}

function objectTypes(schema: GraphQLSchema): GraphQLObjectType[] {
  return Object.values(schema.getTypeMap()).filter((t): t is GraphQLObjectType => isObjectType(t) && !isIntrospectionType(t));
}

/** The one placement shared by every field of a type, or undefined; a type mixing them is a problem. */
function typePlacement(type: GraphQLObjectType, rules: Readonly<Record<string, ShieldRule>>, problems: string[]): Placement | undefined {
  const found = new Set(Object.keys(type.getFields()).map((f) => (rules[f] ? placementOf(rules[f]) : undefined)));
  if (found.size > 1) problems.push(`${type.name}: every field of a type must have the same placement (owned/inside) or none`);
  return found.size === 1 ? [...found][0] : undefined;
}

/**
 * Applies an audience's rule tree to its schema (the gateway's own small
 * replacement for graphql-shield's middleware, using shield's rules):
 *
 * - start-up fails when a field has no rule (deny by default, decided before
 *   the first request instead of at each field), when an entry names no rule
 *   (undefined), when the tree names a type or field the schema lacks, or when a type marked `inside` can be reached
 *   without passing its guard;
 * - only fields whose rule decides something are wrapped: `allow` and
 *   placement markers cost nothing at request time;
 * - an owned type's rule runs on the fields returning its objects, once per
 *   object, after the resolver (it needs the object the service returned).
 *
 * Resolvers are replaced in place: call it on a freshly built schema.
 */
export function guardSchema(schema: GraphQLSchema, tree: RuleTree, where: string): GraphQLSchema {
  const missing = fieldsWithoutRules(schema, tree);
  if (missing.length > 0) {
    throw new Error(`Fields without a permission rule in ${where} (every field needs one; deny by default): ${missing.join(', ')}`);
  }
  const problems: string[] = [];
  for (const [typeName, rules] of Object.entries(tree)) {
    const type = schema.getType(typeName);
    if (!isObjectType(type)) {
      problems.push(`${typeName} is not an object type of the schema`);
      continue;
    }
    for (const [field, rule] of Object.entries(rules)) {
      if (!type.getFields()[field]) problems.push(`${typeName}.${field} is not in the schema`);
      // An unset entry (a mistyped or missing import) must never read as "no check".
      if (typeof (rule as Partial<ShieldRule> | undefined)?.resolve !== 'function') problems.push(`${typeName}.${field} names no rule`);
    }
  }
  const types = objectTypes(schema);
  const placements = new Map(types.map((t) => [t.name, typePlacement(t, tree[t.name] ?? {}, problems)]));

  for (const parent of types) {
    const rules = tree[parent.name] ?? {};
    const parentPlacement = placements.get(parent.name);
    for (const field of Object.values(parent.getFields())) {
      const rule = rules[field.name];
      if (typeof rule?.resolve !== 'function') continue; // reported above
      const returned = placements.get(getNamedType(field.type).name);
      if (returned?.kind === 'inside') {
        const guard = returned.guard;
        const reachedSafely =
          passes(rule, guard) ||
          (parentPlacement?.kind === 'owned' && parentPlacement.owner === guard) ||
          (parentPlacement?.kind === 'inside' && parentPlacement.guard === guard);
        if (!reachedSafely) {
          problems.push(`${parent.name}.${field.name} returns ${getNamedType(field.type).name} without passing ${nameOf(guard)}`);
        }
      }
      const before = rule === allow || placementOf(rule) ? undefined : rule;
      const after = returned?.kind === 'owned' ? returned.owner : undefined;
      if (!before && !after) continue;
      let resolve: Resolver = (field.resolve as Resolver | undefined) ?? (defaultFieldResolver as Resolver);
      if (after) resolve = checkedAfter(after, resolve);
      if (before) resolve = checkedBefore(before, resolve);
      field.resolve = resolve;
    }
  }
  if (problems.length > 0) throw new Error(`Permission rules in ${where} do not fit the schema:\n- ${problems.join('\n- ')}`);
  return schema;
}
