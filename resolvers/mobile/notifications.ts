import type { Notification } from '../../clients/index.js';
import type { Context } from '../../src/context.js';
import { ErrorCode, gatewayError } from '../../src/errors.js';
import { paginate, type Connection } from '../../src/pagination.js';
import { viewerId } from '../../src/permissions/viewer.js';

/** How far `markNotificationRead` looks through the viewer's notifications for the id. */
const OWNERSHIP_SCAN_PAGES = 10;

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
 * viewer's is NOT_FOUND (and is never marked). The user and the
 * `notifications:write` scope are permission rules (src/permissions/mobile.ts);
 * this lookup is data, so its NOT_FOUND stays here.
 */
export async function markNotificationRead(ctx: Context, id: string) {
  const userId = viewerId(ctx);
  let cursor: string | null = null;
  for (let page = 0; page < OWNERSHIP_SCAN_PAGES; page++) {
    const result = await ctx.clients.notifications.listNotifications(userId, {}, { limit: 100, cursor });
    if (result.items.some((n) => n.id === id)) {
      return { notification: await ctx.clients.notifications.markRead(id) };
    }
    if (result.nextCursor === null) break;
    cursor = result.nextCursor;
  }
  throw gatewayError(ErrorCode.NOT_FOUND, 'No such notification.');
}
