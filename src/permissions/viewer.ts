import type { Context } from '../context.js';

/**
 * The signed-in user's id, for resolvers to know whose data to fetch. The
 * permission rules have already decided access; reaching this without a user
 * is a bug in a rule tree, so it fails loudly (masked INTERNAL_SERVER_ERROR)
 * rather than fetching anything.
 */
export function viewerId(ctx: Pick<Context, 'consumer'>): string {
  if (ctx.consumer.kind !== 'user') throw new Error('viewerId() reached without a user: a permission rule is missing.');
  return ctx.consumer.id;
}
