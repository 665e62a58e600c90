import { readBoolean, readId, readInteger, readRecord, readString, ShapeError } from '../validate.js';
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

/** Reads `{ count }` of `GET /notifications/unread-count`: a non-negative integer. */
export function parseUnreadCount(value: unknown): number {
  const count = readInteger(readRecord(value, 'body'), 'count');
  if (count < 0) throw new ShapeError('field count is negative');
  return count;
}
