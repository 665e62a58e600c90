/**
 * graphql-shield's rule API, loaded so that it works on every Node line the
 * project supports. Import it from here, never from the package.
 *
 * Why: graphql-shield 7.6.5 is its last release, and it uses `util.isUndefined`,
 * which Node 23 removed. Its ESM build imports the helper by name, so on Node 24
 * and 26 loading it fails outright ("The requested module 'util' does not
 * provide an export named 'isUndefined'"); its CommonJS build loads, but calls
 * `util.isUndefined` each time a `chain` or `race` rule is evaluated, which
 * would throw at request time; and on Node 22, where it is still there but
 * deprecated, its first call printed a `DEP0058` warning on stderr, outside the
 * JSON log. So this module sets the helper on `util` itself, a plain
 * `value === undefined` that never warns (the only removed `util.is*` that
 * graphql-shield and the libraries it loads call), then loads the CommonJS build.
 * test/permissions/shield.test.ts evaluates a `chain` and a `race` rule, so the
 * suite fails on a current Node line if this stops working.
 *
 * Only the rules are used: the gateway applies rule trees itself
 * (src/permissions/guard-schema.ts), not through shield's middleware.
 */
import { createRequire } from 'node:module';
import util from 'node:util';
import type * as GraphQLShield from 'graphql-shield';

// Set on every line: missing from Node 23 on, a warning the first time it is called on Node 22.
(util as unknown as Record<string, unknown>)['isUndefined'] = (value: unknown): value is undefined => value === undefined;

// Not named `require`: a bundler must leave this call to run at start-up.
const loadCommonJs = createRequire(import.meta.url);
const shieldModule = loadCommonJs('graphql-shield') as typeof GraphQLShield;

export const { rule, and, or, not, chain, race, allow, deny } = shieldModule;
/** A rule or a logic rule (`and`, `chain`…): what a rule tree's leaves hold. */
export type ShieldRule = Parameters<typeof GraphQLShield.and>[number];
