import type { NotificationsClient } from '../index.js';
import { pageQuery, type Upstream } from '../upstream.js';
import { parsePage } from '../validate.js';
import { parseNotification, parseUnreadCount } from './parse.js';

/** The notifications service's verbs (CONTRACT.md §1 notifications) over one bound upstream. */
export function createNotificationsClient(up: Upstream): NotificationsClient {
  return {
    listNotifications: (userId, filter = {}, page) =>
      up.get(
        '/notifications',
        ['notifications'],
        { userId, unread: filter.unread === undefined ? undefined : String(filter.unread), ...pageQuery(page) },
        (body) => parsePage(body, parseNotification),
      ),
    getUnreadCount: (userId) =>
      up.get('/notifications/unread-count', ['notifications', 'unread-count'], { userId }, parseUnreadCount),
    // Marking read is idempotent upstream; the generated Idempotency-Key is sent anyway (every POST carries one).
    markRead: (id) => up.postOrNull('/notifications/{id}/read', ['notifications', id, 'read'], parseNotification),
  };
}
