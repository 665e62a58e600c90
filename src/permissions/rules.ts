import { rule, type ShieldRule } from './shield.js';
import type { Notification, Order, User } from '../../clients/index.js';
import type { Context } from '../context.js';
import { decidedBy } from './decide.js';
import { denied, notSignedIn } from './denial.js';

/**
 * The rules the audience trees are built from. A rule answers `true` or a
 * GraphQLError carrying our code; it never throws (shield would turn a throw
 * into a generic denial and hide an upstream failure's real code).
 *
 * Each rule is a graphql-shield rule (so `chain`, `and`, `race` compose
 * them) registered with the key that decides it within a request: rules that
 * read only the consumer are decided once per request, ownership rules once
 * per owner id. src/permissions/decide.ts remembers verdicts by that key, so
 * a repeated check is a Map look-up, not a promise.
 */

export type { ShieldRule };
/** An audience's rule tree: one rule per field of every object type, no wildcards. */
export type RuleTree = Readonly<Record<string, Readonly<Record<string, ShieldRule>>>>;

/** A rule that reads only the consumer: one verdict per request. */
function contextual(name: string, check: (ctx: Context) => true | Error): ShieldRule {
  const run = (_parent: unknown, _args: unknown, ctx: Context) => check(ctx);
  return decidedBy(rule(name, { cache: 'contextual' })(run), () => '', run);
}

/** Passes for a signed-in user (mobile/web bearer token); UNAUTHENTICATED otherwise. */
export const isUser = contextual('isUser', (ctx) => ctx.consumer.kind === 'user' || notSignedIn(ctx));

const scopeRules = new Map<string, ShieldRule>();

/**
 * Passes when the consumer holds `scope`: UNAUTHENTICATED without credentials,
 * FORBIDDEN when authenticated without it. One rule (and cache entry) per scope.
 */
export function hasScope(scope: string): ShieldRule {
  let found = scopeRules.get(scope);
  if (!found) {
    found = contextual(`hasScope:${scope}`, (ctx) => ctx.consumer.scopes.has(scope) || denied(ctx, `Missing scope \`${scope}\`.`));
    scopeRules.set(scope, found);
  }
  return found;
}

/**
 * A rule on an object naming its owner: passes only for the signed-in user who
 * owns it. Runs on the object the service returned, so no id guessed by a
 * client gets past it; decided once per owner id and request.
 */
function ownedBy<T>(what: string, ownerOf: (object: T) => string): ShieldRule {
  const run = (object: T, _args: unknown, ctx: Context) => {
    if (ctx.consumer.kind !== 'user') return notSignedIn(ctx);
    return ownerOf(object) === ctx.consumer.id || denied(ctx, `This ${what} belongs to another user.`);
  };
  return decidedBy(rule(`owns:${what}`, { cache: (object: T) => ownerOf(object) })(run), (object: T) => ownerOf(object), run);
}

/** An `Order`: its `userId` is the viewer. */
export const ownsOrder = ownedBy<Order>('order', (order) => order.userId);
/** A `Notification`: its `userId` is the viewer. */
export const ownsNotification = ownedBy<Notification>('notification', (n) => n.userId);
/** The viewer's own profile (`User` on mobile, `Viewer` on web). */
export const isSelf = ownedBy<Pick<User, 'id'>>('profile', (user) => user.id);
/** A `Dashboard`: it was built for the viewer. */
export const ownsDashboard = ownedBy<{ userId: string }>('dashboard', (d) => d.userId);

/** The same rule for each named field: a type map entry that still names every field explicitly. */
export function fields(names: readonly string[], fieldRule: ShieldRule): Record<string, ShieldRule> {
  return Object.fromEntries(names.map((name) => [name, fieldRule]));
}
