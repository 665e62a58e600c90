import type { Notification } from '../../clients/index.js';
import type { Context } from '../../src/context.js';
import { ErrorCode, gatewayError } from '../../src/errors.js';
import { paginate, type Connection } from '../../src/pagination.js';
import { viewerId } from '../../src/permissions/viewer.js';

/**
 * How far `markNotificationRead` looks through the viewer's notifications for
 * the id: the newest 1,000, in at most 20 calls (a service answering short
 * pages is read less far; one answering a page of one cannot make it loop).
 */
const OWNERSHIP_SCAN_ITEMS = 1_000;
const OWNERSHIP_SCAN_CALLS = 20;

/** The viewer's notifications, newest first; only unread ones with `unreadOnly`. */
export function notificationsConnection(
  ctx: Context,
  args: { first: number; after?: string | null | undefined; unreadOnly?: boolean | null | undefined },
): Promise<Connection<Notification>> {
  const userId = viewerId(ctx);
  const filter = args.unreadOnly ? { unread: true } : {};
  return paginate({
    listKey: `notifications:${userId}:${args.unreadOnly ? 'unread' : 'all'}`,
    first: args.first,
    after: args.after,
    fetch: (page) => ctx.clients.notifications.listNotifications(userId, filter, page),
  });
}

/**
 * The notifications service has no single read, so the id is looked up among
 * the viewer's own notifications before marking it; an id that is not the
 * viewer's, or one the service no longer finds when marking it, is NOT_FOUND
 * (and is not marked). The user and the
 * `notifications:write` scope are permission rules (src/permissions/mobile.ts);
 * this lookup is data, so its NOT_FOUND stays here.
 */
export async function markNotificationRead(ctx: Context, id: string) {
  const userId = viewerId(ctx);
  let cursor: string | null = null;
  let seen = 0;
  for (let call = 1; call <= OWNERSHIP_SCAN_CALLS && seen < OWNERSHIP_SCAN_ITEMS; call++) {
    const result = await ctx.clients.notifications.listNotifications(userId, {}, { limit: Math.min(100, OWNERSHIP_SCAN_ITEMS - seen), cursor });
    if (result.items.some((n) => n.id === id)) {
      const notification = await ctx.clients.notifications.markRead(id);
      // The service no longer knows it (gone since the list was read, or an id no URL can address): nothing was
      // marked, which a payload without a notification and without an error would hide.
      if (notification === null) break;
      return { notification };
    }
    seen += result.items.length;
    if (result.nextCursor === null) break;
    cursor = result.nextCursor;
  }
  throw gatewayError(ErrorCode.NOT_FOUND, 'No such notification.');
}
