import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClients } from '../../clients/create-clients.js';
import { buildUrl } from '../../clients/upstream.js';
import { fixtureDataWithOrders } from '../helpers/fixture-upstream.js';
import { type Harness, META, startHarness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ data: fixtureDataWithOrders({ userId: 'fx-many', orders: 100, linesPerOrder: 5, distinctProducts: 250 }) });
});
afterEach(() => h.reset());
afterAll(() => h.close());

const generated = (n: number) => Array.from({ length: n }, (_, i) => `fx-g-p${i + 1}`);
const idsOf = (query: URLSearchParams, name = 'ids') => (query.get(name) ?? '').split(',');

describe('Clients: batching, pages and URLs', () => {
  it('splits 250 ids into 3 calls of at most 100 and returns every item', async () => {
    const products = await h.api.products.getProductsByIds(generated(250));
    expect(products.map((p) => p.id).sort()).toEqual(generated(250).sort());
    const sizes = h.upstream.requests.map((r) => idsOf(r.query).length);
    expect(sizes.sort((a, b) => b - a)).toEqual([100, 100, 50]);
  });

  it('fetches the chunks of a large batch in parallel', async () => {
    const arrived: Array<() => void> = [];
    // Each request is held until all three have arrived: a sequential client would hang here.
    h.hook(
      () =>
        new Promise<void>((release) => {
          arrived.push(release);
          if (arrived.length === 3) arrived.forEach((r) => r());
        }),
    );
    expect(await h.api.inventory.getStockByProductIds(generated(250))).toHaveLength(250);
  });

  it('de-duplicates ids and makes no call for an empty list', async () => {
    expect(await h.api.users.getUsersByIds([])).toEqual([]);
    expect(await h.api.pricing.getPricesByProductIds([], 'pro')).toEqual([]);
    expect(h.upstream.requests).toHaveLength(0);
    await h.api.products.getProductsByIds(['fx-p1', 'fx-p2', 'fx-p1', 'fx-p2']);
    expect(h.upstream.requests).toHaveLength(1);
    expect(idsOf(h.upstream.requests[0]!.query)).toEqual(['fx-p1', 'fx-p2']);
  });

  it('URL-encodes each id and joins them with literal commas', async () => {
    await h.api.users.getUsersByIds(['a,b', 'c&d=e', 'fx-alice']);
    expect(h.upstream.requests[0]!.rawUrl).toBe('/users?ids=a%2Cb,c%26d%3De,fx-alice');
  });

  it('answers null without a call for ids no URL can address (empty, "." and "..")', async () => {
    for (const id of ['', '.', '..']) {
      expect(await h.api.users.getUser(id)).toBeNull();
      expect(await h.api.notifications.markRead(id)).toBeNull();
    }
    expect(h.upstream.requests).toHaveLength(0);
    expect(await h.api.products.getProduct('../users/fx-alice')).toBeNull();
    expect(h.upstream.requests[0]!.rawUrl).toBe('/products/..%2Fusers%2Ffx-alice');
  });

  it('URL-encodes a cursor holding + / = and it round-trips to the next page', async () => {
    const first = await h.api.orders.listOrdersByUser('fx-many', { limit: 40 });
    expect(first.nextCursor).toMatch(/[+/=]/);
    const second = await h.api.orders.listOrdersByUser('fx-many', { limit: 40, cursor: first.nextCursor });
    expect(h.upstream.requests[1]!.rawUrl).toContain(`cursor=${encodeURIComponent(first.nextCursor ?? '')}`);
    expect(h.upstream.requests[1]!.rawUrl).not.toMatch(/cursor=[^&]*[+/=]/);
    expect(second.items[0]!.id).toBe('fx-g-o41');
    const third = await h.api.orders.listOrdersByUser('fx-many', { limit: 40, cursor: second.nextCursor });
    expect(third.items).toHaveLength(20);
    expect(third.nextCursor).toBeNull();
  });

  it('works with base URLs that carry a path prefix and a trailing slash', async () => {
    const urls = Object.fromEntries(Object.entries(h.upstream.urls).map(([s, u]) => [s, `${u}/`])) as typeof h.upstream.urls;
    const clients = createClients({ urls });
    try {
      expect((await clients.forRequest(META).users.getUser('fx-bob'))?.name).toBe('Bob Fixture');
      expect(h.upstream.requests[0]).toMatchObject({ service: 'users', path: '/users/fx-bob' });
    } finally {
      clients.close();
    }
    expect(buildUrl('http://h:1/svc//', ['a b', 'c'], { q: 'x y', ids: ['1', '2'], skip: undefined })).toBe('http://h:1/svc/a%20b/c?q=x%20y&ids=1,2');
  });
});
