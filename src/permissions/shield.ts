/**
 * graphql-shield (and the graphql-middleware it is applied with), loaded so
 * that it works on every Node line the project supports. Import them from
 * here, never from the packages.
 *
 * Why: graphql-shield 7.6.5 is its last release, and it uses `util.isUndefined`,
 * which Node 23 removed. Its ESM build imports the helper by name, so on Node 24
 * and 26 loading it fails outright ("The requested module 'util' does not
 * provide an export named 'isUndefined'"); its CommonJS build loads, but calls
 * `util.isUndefined` each time a `chain` or `race` rule is evaluated, which
 * would throw at request time. So this module puts the helper back on `util`
 * when it is missing (the only removed `util.is*` that graphql-shield, yup,
 * object-hash and graphql-middleware call), then loads the CommonJS build.
 * test/permissions/shield.test.ts evaluates a `chain` and a `race` rule, so the
 * suite fails on a current Node line if this stops working.
 *
 * graphql-middleware comes from the same CommonJS build: `applyMiddleware`
 * recognises shield's result with `instanceof`, which fails across the ESM and
 * CommonJS copies of the package.
 */
import { createRequire } from 'node:module';
import util from 'node:util';
import type * as GraphQLMiddleware from 'graphql-middleware';
import type * as GraphQLShield from 'graphql-shield';

const utilHelpers = util as unknown as Record<string, unknown>;
if (typeof utilHelpers['isUndefined'] !== 'function') {
  utilHelpers['isUndefined'] = (value: unknown): value is undefined => value === undefined;
}

// Not named `require`: a bundler must leave this call to run at start-up.
const loadCommonJs = createRequire(import.meta.url);
const shieldModule = loadCommonJs('graphql-shield') as typeof GraphQLShield;
const middlewareModule = loadCommonJs('graphql-middleware') as typeof GraphQLMiddleware;

export const { rule, inputRule, and, or, not, chain, race, allow, deny } = shieldModule;
export const { applyMiddleware } = middlewareModule;
export type { IRule, IRules } from 'graphql-shield';
/** A rule or a logic rule (`and`, `chain`…): what a rule tree's leaves hold. */
export type ShieldRule = Parameters<typeof GraphQLShield.and>[number];

const isRuleLike = (value: unknown): boolean => typeof value === 'object' && value !== null && 'resolve' in value;

/**
 * `shield(tree, options)`, refusing a tree in which a type or field names no
 * rule (`undefined`: a mistyped or missing import). graphql-shield itself would
 * quietly apply the fallback rule to such a field, or to the whole type.
 */
export function shield(tree: GraphQLShield.IRules, options: Parameters<typeof GraphQLShield.shield>[1]): ReturnType<typeof GraphQLShield.shield> {
  const unset: string[] = [];
  for (const [type, rules] of Object.entries(tree as Record<string, unknown>)) {
    if (isRuleLike(rules)) continue;
    if (typeof rules !== 'object' || rules === null) {
      unset.push(type);
      continue;
    }
    for (const [field, fieldRule] of Object.entries(rules)) {
      if (!isRuleLike(fieldRule)) unset.push(`${type}.${field}`);
    }
  }
  if (unset.length > 0) throw new Error(`Permission rule tree names no rule for: ${unset.join(', ')}`);
  return shieldModule.shield(tree, options);
}
