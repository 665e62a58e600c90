import { describe, expect, it } from 'vitest';
import type { Page, PageArgs } from '../clients/index.js';
import { paginate } from '../src/pagination.js';
import { formatMinorUnits } from '../resolvers/shared/money.js';

/** An in-memory list with the upstream's paging rules (offset cursors, possibly short pages). */
function list(size: number, maxPage = 100) {
  const items = Array.from({ length: size }, (_, i) => `item${i}`);
  const calls: PageArgs[] = [];
  const fetch = async (page: PageArgs): Promise<Page<string>> => {
    calls.push(page);
    const start = page.cursor ? Number(page.cursor.slice(1)) : 0;
    const end = start + Math.min(page.limit ?? 20, maxPage);
    return { items: items.slice(start, end), nextCursor: end < size ? `@${end}` : null };
  };
  return { items, calls, fetch };
}

describe('Relay pagination over upstream pages', () => {
  it('makes one upstream call of exactly `first` for a first page', async () => {
    const l = list(50);
    const page = await paginate({ listKey: 'k', first: 20, fetch: l.fetch });
    expect(page.edges.map((e) => e.node)).toEqual(l.items.slice(0, 20));
    expect(page.pageInfo.hasNextPage).toBe(true);
    expect(l.calls).toEqual([{ limit: 20, cursor: null }]);
  });

  it('continues after every edge, including from the middle of an upstream page', async () => {
    const l = list(30);
    const first = await paginate({ listKey: 'k', first: 10, fetch: l.fetch });
    for (let i = 0; i < 10; i++) {
      const next = await paginate({ listKey: 'k', first: 3, after: first.edges[i]!.cursor, fetch: l.fetch });
      expect(next.edges.map((e) => e.node)).toEqual(l.items.slice(i + 1, i + 4));
    }
  });

  it('says there is no next page at the end of the list', async () => {
    const l = list(5);
    const page = await paginate({ listKey: 'k', first: 5, fetch: l.fetch });
    expect(page.pageInfo).toEqual({ hasNextPage: false, endCursor: page.edges[4]!.cursor });
  });

  it('stitches short upstream pages, within a bounded number of calls', async () => {
    const l = list(100, 7);
    const page = await paginate({ listKey: 'k', first: 14, fetch: l.fetch });
    expect(page.edges.map((e) => e.node)).toEqual(l.items.slice(0, 14));
    expect(l.calls.length).toBe(2);
  });

  it('rejects a cursor from another list, a tampered one and an out-of-range `first` as BAD_USER_INPUT', async () => {
    const l = list(10);
    const page = await paginate({ listKey: 'orders:u1', first: 2, fetch: l.fetch });
    await expect(paginate({ listKey: 'orders:u2', first: 2, after: page.edges[0]!.cursor, fetch: l.fetch })).rejects.toMatchObject({
      extensions: { code: 'BAD_USER_INPUT' },
    });
    await expect(paginate({ listKey: 'orders:u1', first: 2, after: 'garbage!!', fetch: l.fetch })).rejects.toMatchObject({
      extensions: { code: 'BAD_USER_INPUT' },
    });
    await expect(paginate({ listKey: 'k', first: 101, fetch: l.fetch })).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
  });
});

describe('Money', () => {
  it('formats integer minor units as a two-decimal string', () => {
    expect(formatMinorUnits(1999)).toBe('19.99');
    expect(formatMinorUnits(5)).toBe('0.05');
    expect(formatMinorUnits(0)).toBe('0.00');
    expect(formatMinorUnits(-5)).toBe('-0.05');
    expect(formatMinorUnits(123456789012)).toBe('1234567890.12');
  });
});
