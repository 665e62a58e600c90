import type { Page } from '../../clients/types.js';
import { ok, type Reply } from './http.js';
import { badRequest, type HttpError } from './errors.js';

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;

/**
 * Every cursor starts with these bytes, which base64 turns into `+/`: a
 * client that forgets to URL-encode cursors fails on its first page turn
 * instead of in production against some other server.
 */
const CURSOR_MAGIC = Buffer.from([0xfb, 0xff]);
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** One pageable list: its items in list order, and how to resume after a cursor. */
export interface PagedList<T extends { id: string }> {
  /** The list's identity (`orders?userId=u1`); a cursor is only valid for the same identity. */
  id: string;
  /** Already sorted by `compare`. */
  items: readonly T[];
  compare(a: T, b: T): number;
  /**
   * The item a cursor points after, by id, if it belongs to this list's
   * source. It may have left a filtered view since (a notification marked
   * read); paging resumes at its sort position anyway.
   */
  find(id: string): T | undefined;
}

/**
 * Answers `?limit=&cursor=` over `list` (CONTRACT.md §1, "Pages"): `limit`
 * 1–100, default 20, integers only; the cursor is opaque and bound to the
 * list's identity. Any invalid value is a 400. `nextCursor` is `null` on the
 * last page.
 */
export function pageReply<T extends { id: string }>(query: URLSearchParams, list: PagedList<T>): Reply {
  const limit = parseLimit(query.get('limit'));
  const cursor = query.get('cursor');
  const start = cursor === null || cursor === '' ? 0 : resumeIndex(list, decodeCursor(cursor, list.id));
  const items = list.items.slice(start, start + limit);
  const last = items.at(-1);
  const page: Page<T> = {
    items,
    nextCursor: last !== undefined && start + limit < list.items.length ? encodeCursor(list.id, last.id) : null,
  };
  return ok(page);
}

function parseLimit(raw: string | null): number {
  if (raw === null) return DEFAULT_LIMIT;
  const limit = /^\d{1,3}$/.test(raw) ? Number(raw) : NaN;
  if (!(limit >= 1 && limit <= MAX_LIMIT)) throw badRequest(`limit must be an integer from 1 to ${MAX_LIMIT}`);
  return limit;
}

/** The index of the first item that sorts after the cursor's item (binary search). */
function resumeIndex<T extends { id: string }>(list: PagedList<T>, afterId: string): number {
  const after = list.find(afterId);
  if (after === undefined) throw badRequest('cursor is not valid for this list');
  let low = 0;
  let high = list.items.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (list.compare(list.items[mid], after) <= 0) low = mid + 1;
    else high = mid;
  }
  return low;
}

function encodeCursor(listId: string, afterId: string): string {
  return Buffer.concat([CURSOR_MAGIC, Buffer.from(JSON.stringify({ l: listId, a: afterId }))]).toString('base64');
}

/** The id the cursor points after; 400 if it is malformed, tampered with or from another list. */
function decodeCursor(cursor: string, listId: string): string {
  const invalid = (): HttpError => badRequest('cursor is not valid for this list');
  if (cursor.length % 4 !== 0 || !BASE64.test(cursor)) throw invalid();
  const bytes = Buffer.from(cursor, 'base64');
  if (!bytes.subarray(0, CURSOR_MAGIC.length).equals(CURSOR_MAGIC)) throw invalid();
  let payload: unknown;
  try {
    payload = JSON.parse(bytes.subarray(CURSOR_MAGIC.length).toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!isCursorPayload(payload) || payload.l !== listId) throw invalid();
  return payload.a;
}

function isCursorPayload(value: unknown): value is { l: string; a: string } {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return typeof record['l'] === 'string' && typeof record['a'] === 'string';
}
