import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Order } from '../../clients/orders/types.js';
import type { Product } from '../../clients/products/types.js';
import type { Page } from '../../clients/types.js';
import { startDemoServices, type DemoServices } from '../../src/demo/index.js';
import { expectError, request, type JsonResponse } from './helpers.js';

describe('Paged lists', () => {
  let services: DemoServices;
  beforeAll(async () => {
    services = await startDemoServices();
  });
  afterAll(() => services.close());

  const ordersPage = (query: string) => request<Page<Order>>(`${services.urls.orders}/orders?${query}`);

  /** Every page of a list, following nextCursor (URL-encoded) to the end. */
  const walk = async <T>(first: string, next: (cursor: string) => string): Promise<Page<T>[]> => {
    const pages: Page<T>[] = [];
    let url: string | null = first;
    while (url !== null) {
      const response: JsonResponse<Page<T>> = await request<Page<T>>(url);
      expect(response.status).toBe(200);
      pages.push(response.body);
      url = response.body.nextCursor === null ? null : next(response.body.nextCursor);
      expect(pages.length).toBeLessThan(50);
    }
    return pages;
  };

  it('pages through a user’s whole order list newest first, without duplicates or gaps', async () => {
    const base = `${services.urls.orders}/orders?userId=u1&limit=20`;
    const pages = await walk<Order>(base, (cursor) => `${base}&cursor=${encodeURIComponent(cursor)}`);
    const seen = pages.flatMap((page) => page.items);
    const expected = services.data.orders
      .filter((order) => order.userId === 'u1')
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
      .map((order) => order.id);
    expect(pages.map((page) => page.items.length)).toEqual([20, 20, expected.length - 40]);
    expect(seen.map((order) => order.id)).toEqual(expected);
    expect(pages.at(-1)?.nextCursor).toBeNull();
    for (const order of seen) expect(order.userId).toBe('u1');
  });

  it('uses a default limit of 20', async () => {
    expect((await ordersPage('userId=u1')).body.items).toHaveLength(20);
  });

  it('answers one page with nextCursor null when everything fits', async () => {
    const response = await ordersPage('userId=u2&limit=100');
    expect(response.body.items).toHaveLength(2);
    expect(response.body.nextCursor).toBeNull();
  });

  it('answers an empty page for a user without orders', async () => {
    expect((await ordersPage('userId=u3')).body).toEqual({ items: [], nextCursor: null });
  });

  it.each(['0', '101', 'abc', '1.5', '-1', ''])('rejects limit=%s with 400', async (limit) => {
    expectError(await ordersPage(`userId=u1&limit=${limit}`), 400, 'BAD_REQUEST');
  });

  it('accepts limit 1 and 100', async () => {
    expect((await ordersPage('userId=u1&limit=1')).body.items).toHaveLength(1);
    expect((await ordersPage('userId=u1&limit=100')).body.items).toHaveLength(45);
  });

  it('rejects a cursor taken from another user’s list with 400', async () => {
    const u4 = await ordersPage('userId=u4&limit=5');
    const cursor = u4.body.nextCursor ?? '';
    expect(cursor).not.toBe('');
    expectError(await ordersPage(`userId=u1&limit=5&cursor=${encodeURIComponent(cursor)}`), 400, 'BAD_REQUEST');
  });

  it('rejects a cursor from another service’s list with 400', async () => {
    const products = await request<Page<Product>>(`${services.urls.products}/products?limit=5`);
    expectError(await ordersPage(`userId=u1&cursor=${encodeURIComponent(products.body.nextCursor ?? '')}`), 400, 'BAD_REQUEST');
  });

  it('rejects a malformed or tampered cursor with 400', async () => {
    const cursor = (await ordersPage('userId=u1&limit=5')).body.nextCursor ?? '';
    const tampered = `${cursor.slice(0, 6)}${cursor[6] === 'A' ? 'B' : 'A'}${cursor.slice(7)}`;
    for (const bad of ['nonsense', 'e30=', tampered, Buffer.from('{"l":"orders?userId=u1","a":"o1"}').toString('base64')]) {
      expectError(await ordersPage(`userId=u1&cursor=${encodeURIComponent(bad)}`), 400, 'BAD_REQUEST');
    }
  });

  it('makes cursors that hold + / = and round-trip when URL-encoded', async () => {
    const cursor = (await ordersPage('userId=u1&limit=3')).body.nextCursor ?? '';
    expect(cursor).toMatch(/[+/=]/);
    expect(cursor).toMatch(/\+/);
    expect(cursor).toMatch(/\//);
    const next = await ordersPage(`userId=u1&limit=3&cursor=${encodeURIComponent(cursor)}`);
    expect(next.status).toBe(200);
    expect(next.body.items).toHaveLength(3);
  });

  it('rejects a cursor sent without URL-encoding, since + then reads as a space', async () => {
    const cursor = (await ordersPage('userId=u1&limit=3')).body.nextCursor ?? '';
    expectError(await ordersPage(`userId=u1&limit=3&cursor=${cursor}`), 400, 'BAD_REQUEST');
  });

  it('lets a cursor continue with another limit on the same list', async () => {
    const first = await ordersPage('userId=u1&limit=10');
    const rest = await ordersPage(`userId=u1&limit=35&cursor=${encodeURIComponent(first.body.nextCursor ?? '')}`);
    expect(rest.body.items).toHaveLength(35);
    expect(rest.body.nextCursor).toBeNull();
  });
});
