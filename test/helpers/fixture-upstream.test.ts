import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FixtureUpstream, fixtureDataWithOrders, startFixtureUpstream } from './fixture-upstream.js';

let fx: FixtureUpstream;
beforeAll(async () => {
  fx = await startFixtureUpstream({ data: fixtureDataWithOrders({ userId: 'fx-many', orders: 100, linesPerOrder: 5, distinctProducts: 250 }) });
});
afterAll(() => fx.close());

async function get(url: string): Promise<{ status: number; body: { items?: { id?: string; productId?: string }[]; nextCursor?: string | null; error?: unknown } }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as never };
}

describe('Fixture upstream', () => {
  it('returns batch items in another order than asked, unknown ids omitted', async () => {
    const { body } = await get(`${fx.urls.products}/products?ids=fx-p1,fx-nope,fx-p2,fx-p3`);
    expect(body.items?.map((p) => p.id)).toEqual(['fx-p3', 'fx-p2', 'fx-p1']);
  });

  it('answers 400 with an error body for more than 100 ids', async () => {
    const ids = Array.from({ length: 101 }, (_, i) => `fx-g-p${i + 1}`).join(',');
    const { status, body } = await get(`${fx.urls.inventory}/inventory?productIds=${ids}`);
    expect(status).toBe(400);
    expect(body.error).toEqual({ code: 'BAD_REQUEST', message: expect.any(String) });
  });

  it('pages with opaque cursors holding + / = that only work URL-encoded', async () => {
    const { body } = await get(`${fx.urls.orders}/orders?userId=fx-many&limit=5`);
    const cursor = body.nextCursor ?? '';
    expect(cursor).toMatch(/^o:.*[+/].*=$/);
    expect((await get(`${fx.urls.orders}/orders?userId=fx-many&limit=5&cursor=${encodeURIComponent(cursor)}`)).status).toBe(200);
    expect((await get(`${fx.urls.orders}/orders?userId=fx-many&limit=5&cursor=${cursor}`)).status).toBe(400);
    // Valid only for the list it came from.
    expect((await get(`${fx.urls.reviews}/reviews?productId=fx-p1&cursor=${encodeURIComponent(cursor)}`)).status).toBe(400);
  });

  it('generates one user whose 100 orders reference 250 distinct products', () => {
    const orders = fx.data.orders.filter((o) => o.userId === 'fx-many');
    expect(orders).toHaveLength(100);
    expect(new Set(orders.flatMap((o) => o.lines.map((l) => l.productId))).size).toBe(250);
  });

  it('serves single reads, 404s with an error body, health, and unknown prefixes as 404', async () => {
    expect((await get(`${fx.urls.users}/users/fx-alice`)).body).toMatchObject({ id: 'fx-alice' });
    expect(await get(`${fx.urls.users}/users/fx-nobody`)).toEqual({ status: 404, body: { error: { code: 'NOT_FOUND', message: 'user not found' } } });
    expect((await get(`${fx.urls.pricing}/health`)).body).toEqual({ status: 'ok' });
    expect((await get(fx.urls.users.replace('users-svc', 'nope-svc') + '/health')).status).toBe(404);
    // A request outside the seven prefixes is answered but not recorded (it has no service).
    expect(fx.requests.at(-1)).toMatchObject({ service: 'pricing', method: 'GET', path: '/health', rawUrl: '/health' });
  });
});
