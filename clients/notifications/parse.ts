import { readBoolean, readCount, readId, readRecord, readString } from '../validate.js';
import type { Notification } from './types.js';

/** Checks and copies one `Notification` (CONTRACT.md §1 notifications); throws a `ShapeError` when wrong. */
export function parseNotification(value: unknown): Notification {
  const o = readRecord(value, 'notification');
  return {
    id: readId(o, 'id'),
    userId: readId(o, 'userId'),
    kind: readString(o, 'kind'),
    message: readString(o, 'message'),
    read: readBoolean(o, 'read'),
    createdAt: readString(o, 'createdAt'),
  };
}

/** Reads `{ count }` of `GET /notifications/unread-count`: a count the schema's `Int` can carry. */
export function parseUnreadCount(value: unknown): number {
  return readCount(readRecord(value, 'body'), 'count');
}
