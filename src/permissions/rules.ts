import { and, rule } from './shield.js';
import type { Notification, Order, User } from '../../clients/index.js';
import type { Context } from '../context.js';
import { denied, notSignedIn } from './denial.js';

/**
 * The rules the audience trees are built from. A rule answers `true` or a
 * GraphQLError carrying our code; it never throws (shield would turn a throw
 * into a generic denial and hide an upstream failure's real code).
 *
 * Caching (per request, in shield's `ctx._shield.cache`): rules that read only
 * the consumer are `contextual` (one evaluation per request whatever the number
 * of fields); rules that read an object are keyed by the id that decides them
 * (the owner's id, the requested order id) — exact, and far cheaper than
 * `strict`, which object-hashes the whole parent and arguments on every field.
 */

export type ShieldRule = Parameters<typeof and>[number];
/** An audience's rule tree: one rule per field of every object type, no wildcards. */
export type RuleTree = Readonly<Record<string, Readonly<Record<string, ShieldRule>>>>;

/** Passes for a signed-in user (mobile/web bearer token); UNAUTHENTICATED otherwise. */
export const isUser = rule('isUser', { cache: 'contextual' })(
  (_parent: unknown, _args: unknown, ctx: Context) => ctx.consumer.kind === 'user' || notSignedIn(ctx),
);

const scopeRules = new Map<string, ShieldRule>();

/**
 * Passes when the consumer holds `scope`: UNAUTHENTICATED without credentials,
 * FORBIDDEN when authenticated without it. One rule (and cache entry) per scope.
 */
export function hasScope(scope: string): ShieldRule {
  let found = scopeRules.get(scope);
  if (!found) {
    found = rule(`hasScope:${scope}`, { cache: 'contextual' })(
      (_parent: unknown, _args: unknown, ctx: Context) =>
        ctx.consumer.scopes.has(scope) || denied(ctx, `Missing scope \`${scope}\`.`),
    );
    scopeRules.set(scope, found);
  }
  return found;
}

/**
 * A rule on the fields of a type whose parent object names its owner: passes
 * only for the signed-in user who owns it. Runs on the object the service
 * returned, so no id guessed by a client gets past it.
 */
function ownedBy<T>(what: string, ownerOf: (parent: T) => string): ShieldRule {
  return rule(`owns:${what}`, { cache: (parent: T) => ownerOf(parent) })((parent: T, _args: unknown, ctx: Context) => {
    if (ctx.consumer.kind !== 'user') return notSignedIn(ctx);
    return ownerOf(parent) === ctx.consumer.id || denied(ctx, `This ${what} belongs to another user.`);
  });
}

/** On `Order` fields: the order's `userId` is the viewer. */
export const ownsOrder = ownedBy<Order>('order', (order) => order.userId);
/** On `Notification` fields: the notification's `userId` is the viewer. */
export const ownsNotification = ownedBy<Notification>('notification', (n) => n.userId);
/** On the fields of the viewer's own profile (`User` on mobile, `Viewer` on web). */
export const isSelf = ownedBy<User>('profile', (user) => user.id);
/** On `Dashboard` fields: the dashboard was built for the viewer. */
export const ownsDashboard = ownedBy<{ userId: string }>('dashboard', (d) => d.userId);

/**
 * On `Query.order(id:)`: loads the order through the request's DataLoader (the
 * resolver then reads the same cached promise: no second upstream call) and
 * passes when it is unknown (the resolver answers null) or the viewer's; another
 * user's order is FORBIDDEN at `["order"]` with nothing of it returned. An
 * upstream failure is returned as itself, so the field carries its real code.
 * Shield runs a field's rule before its resolver, hence the load here.
 */
export const ownsRequestedOrder = rule('ownsRequestedOrder', { cache: (_: unknown, args: { id: string }) => args.id })(
  async (_parent: unknown, { id }: { id: string }, ctx: Context) => {
    let order: Order | null;
    try {
      order = await ctx.loaders.orders.load(id);
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
    if (order === null || order.userId === ctx.consumer.id) return true;
    return denied(ctx, 'This order belongs to another user.');
  },
);

/** The same rule for each named field: a type map entry that still names every field explicitly. */
export function fields(names: readonly string[], fieldRule: ShieldRule): Record<string, ShieldRule> {
  return Object.fromEntries(names.map((name) => [name, fieldRule]));
}
