import type { Context } from '../context.js';
import { forbidden, unauthenticated } from '../errors.js';

/** The signed-in user's id, or UNAUTHENTICATED when the request carries no user token. */
export function requireUser(ctx: Context): string {
  if (ctx.consumer.kind !== 'user') throw unauthenticated('Sign in: this field needs `Authorization: Bearer <token>`.');
  return ctx.consumer.id;
}

/**
 * Passes when the consumer holds `scope`: UNAUTHENTICATED without credentials,
 * FORBIDDEN when authenticated without the scope.
 */
export function requireScope(ctx: Context, scope: string): void {
  if (ctx.consumer.kind === 'anonymous') throw unauthenticated('Credentials required.');
  if (!ctx.consumer.scopes.has(scope)) throw forbidden(`Missing scope \`${scope}\`.`);
}
