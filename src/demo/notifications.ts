import type { Notification } from '../../clients/notifications/types.js';
import type { DemoData } from './data.js';
import { createHandler, ok, PRIVATE_NO_STORE, type DemoHandler, type HandlerOptions } from './http.js';
import { pageReply } from './paging.js';
import { booleanParam, requiredParam } from './params.js';
import { findOr404 } from './reads.js';
import { groupBy, newestFirst, Table } from './table.js';

/**
 * The notifications service (CONTRACT.md §1 "notifications"):
 * `GET /notifications?userId=&unread=&limit=&cursor=` newest first,
 * `GET /notifications/unread-count?userId=`, and the idempotent
 * `POST /notifications/{id}/read`, which marks the stored notification read.
 */
export function createNotificationsHandler(data: DemoData, options: HandlerOptions = {}): DemoHandler {
  const notifications = new Table(data.notifications, (notification) => notification.id);
  const byUser = groupBy(data.notifications, (notification) => notification.userId);
  for (const list of byUser.values()) list.sort(newestFirst);
  const ownedBy = (userId: string) => (id: string): Notification | undefined => {
    const notification = notifications.get(id);
    return notification?.userId === userId ? notification : undefined;
  };

  return createHandler(
    {
      name: 'notifications',
      cacheControl: PRIVATE_NO_STORE,
      routes: [
        {
          method: 'GET',
          path: '/notifications',
          handle: ({ query }) => {
            const userId = requiredParam(query, 'userId');
            const unread = booleanParam(query, 'unread');
            const all = byUser.get(userId) ?? [];
            // Read state changes, so the filtered view is computed per request (at most a few dozen rows).
            const items = unread === undefined ? all : all.filter((notification) => notification.read !== unread);
            const listId = `notifications?${new URLSearchParams({ userId, unread: String(unread ?? 'all') })}`;
            return pageReply(query, { id: listId, items, compare: newestFirst, find: ownedBy(userId) });
          },
        },
        {
          method: 'GET',
          path: '/notifications/unread-count',
          handle: ({ query }) => {
            const all = byUser.get(requiredParam(query, 'userId')) ?? [];
            return ok({ count: all.filter((notification) => !notification.read).length });
          },
        },
        {
          method: 'POST',
          path: '/notifications/:id/read',
          handle: ({ params }) => {
            const notification = findOr404(notifications, params.id, 'notification');
            notification.read = true;
            return ok(notification);
          },
        },
      ],
    },
    options,
  );
}
