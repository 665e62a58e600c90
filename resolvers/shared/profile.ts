import type { User } from '../../clients/index.js';
import type { Context } from '../../src/context.js';
import type { ProfileModel } from './models.js';

/**
 * A resolver for one profile field of the signed-in user: loads the user
 * through the request's DataLoader (one users call however many fields ask)
 * and reads the field. A failed load rejects, so the error lands at this
 * field's path and its siblings (the orders, the unread count) are untouched;
 * an account that no longer exists gives null without an error.
 */
export function profileField<K extends keyof User>(field: K) {
  return async (viewer: ProfileModel, _args: unknown, ctx: Pick<Context, 'loaders'>): Promise<User[K] | null> => {
    const user = await ctx.loaders.users.load(viewer.id);
    return user === null ? null : user[field];
  };
}
