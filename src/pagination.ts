import { createHash } from 'node:crypto';
import type { Page, PageArgs } from '../clients/index.js';
import { badUserInput } from './errors.js';

/** The contract's bounds for `first` (and the upstream's `limit`). */
export const MIN_PAGE_SIZE = 1;
export const MAX_PAGE_SIZE = 100;
/** Upstream pages fetched at most for one connection, so a lying upstream cannot loop us. */
const MAX_UPSTREAM_PAGES = 3;

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface Connection<T> {
  edges: Edge<T>[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/**
 * A position in an upstream list: the upstream cursor of a page start (null:
 * the list start) and how many items of that page to skip. Upstream cursors
 * only mark page ends, so this is what lets *every* edge's cursor be passed as
 * `after` (Relay Cursor Connections spec).
 */
interface Position {
  upstream: string | null;
  skip: number;
}

function listTag(listKey: string): string {
  return createHash('sha256').update(listKey).digest('base64url').slice(0, 10);
}

function encodeCursor(tag: string, position: Position): string {
  return Buffer.from(JSON.stringify([1, tag, position.upstream, position.skip])).toString('base64url');
}

function decodeCursor(tag: string, cursor: string): Position {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (
    Array.isArray(parsed) &&
    parsed.length === 4 &&
    parsed[0] === 1 &&
    parsed[1] === tag &&
    (parsed[2] === null || typeof parsed[2] === 'string') &&
    Number.isInteger(parsed[3]) &&
    parsed[3] >= 0 &&
    parsed[3] <= MAX_PAGE_SIZE
  ) {
    return { upstream: parsed[2] as string | null, skip: parsed[3] as number };
  }
  throw badUserInput('Invalid cursor: pass a cursor from this same list as `after`.', 'after');
}

/** Throws BAD_USER_INPUT unless `first` is within the contract's 1–100. */
export function assertPageSize(first: number, field = 'first'): void {
  if (!Number.isInteger(first) || first < MIN_PAGE_SIZE || first > MAX_PAGE_SIZE) {
    throw badUserInput(`\`${field}\` must be between ${MIN_PAGE_SIZE} and ${MAX_PAGE_SIZE}.`, field);
  }
}

export interface PaginateArgs<T> {
  /** Identifies the list (e.g. `orders:u1`); a cursor from another list is rejected. */
  listKey: string;
  first: number;
  after?: string | null | undefined;
  fetch: (page: PageArgs) => Promise<Page<T>>;
}

/**
 * Builds a Relay connection over an upstream `?limit=&cursor=` list. Usually
 * one upstream call of exactly `first` items; more only when continuing from
 * the middle of an upstream page or when the upstream returns short pages.
 * A service may answer pages shorter than `limit`, or empty ones with a
 * cursor (`limit` is a bound), so a page of edges may be short too; when it
 * holds none but more may follow, `endCursor` is still where to go on from.
 */
export async function paginate<T>({ listKey, first, after, fetch }: PaginateArgs<T>): Promise<Connection<T>> {
  assertPageSize(first);
  const tag = listTag(listKey);
  let position: Position = after ? decodeCursor(tag, after) : { upstream: null, skip: 0 };
  const edges: Edge<T>[] = [];
  let hasNextPage = false;
  let endCursor: string | null = null;
  for (let call = 1; ; call++) {
    const need = first - edges.length;
    const limit = Math.min(MAX_PAGE_SIZE, position.skip + need);
    const page = await fetch({ limit, cursor: position.upstream });
    const fresh = page.items.slice(position.skip, position.skip + need);
    fresh.forEach((node, i) => {
      edges.push({ node, cursor: encodeCursor(tag, { upstream: position.upstream, skip: position.skip + i + 1 }) });
    });
    const endOfPage = position.skip + fresh.length >= page.items.length;
    // Where the list goes on after this page. A page read again to continue from one of its edges may come back
    // shorter than the edge's place in it: what is left to skip is skipped on the next page, never read again.
    const next: Position | null =
      endOfPage && page.nextCursor !== null ? { upstream: page.nextCursor, skip: Math.max(0, position.skip - page.items.length) } : null;
    const last = edges[edges.length - 1];
    // Continuing from a page end is one plain upstream call with the upstream's own cursor (past any empty pages read since).
    if (next && last) last.cursor = encodeCursor(tag, next);
    if (edges.length >= first || next === null || call >= MAX_UPSTREAM_PAGES) {
      hasNextPage = !endOfPage || page.nextCursor !== null;
      // No edge to carry it: the position reached, so a run of empty upstream pages is not a dead end.
      endCursor = last?.cursor ?? (hasNextPage && next ? encodeCursor(tag, next) : null);
      break;
    }
    position = next;
  }
  return { edges, pageInfo: { hasNextPage, endCursor } };
}

/**
 * The first `want` items of an upstream list, without a connection: one call,
 * or a few more when the service answers short pages (`limit` is a bound,
 * not a promise: CONTRACT.md), as `paginate` fills a page; at most
 * MAX_UPSTREAM_PAGES calls.
 */
export async function firstItems<T>(want: number, fetch: (page: PageArgs) => Promise<Page<T>>): Promise<T[]> {
  const page = await fetch({ limit: want });
  if (page.items.length >= want || page.nextCursor === null) return page.items.slice(0, want);
  const items = [...page.items];
  let cursor: string | null = page.nextCursor;
  for (let call = 2; call <= MAX_UPSTREAM_PAGES && cursor !== null && items.length < want; call++) {
    const next = await fetch({ limit: want - items.length, cursor });
    items.push(...next.items.slice(0, want - items.length));
    cursor = next.nextCursor;
  }
  return items;
}
