import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FixtureUpstream, fixtureDataWithOrders, startFixtureUpstream } from './fixture-upstream.js';
import { startWireProxy } from './wire-proxy.js';

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

  it('counts rows before its filter with scanLimit: a filtered page may be short or empty and still carry a cursor', async () => {
    const scanning = await startFixtureUpstream({ scanLimit: true });
    try {
      // fx-p1, read first, is a tool.
      const { body } = await get(`${scanning.urls.products}/products?categoryId=fx-cat-home&limit=1`);
      expect(body).toEqual({ items: [], nextCursor: expect.any(String) });
    } finally {
      await scanning.close();
    }
  });

  it("issues the caller's cursor strings, and takes each back only for its own list", async () => {
    let issued = 0;
    const custom = await startFixtureUpstream({ cursor: () => `#${(issued += 1)} ?&=` });
    try {
      const { body } = await get(`${custom.urls.orders}/orders?userId=fx-alice&limit=1`);
      expect(body.nextCursor).toBe('#1 ?&=');
      const cursor = encodeURIComponent(body.nextCursor!);
      expect((await get(`${custom.urls.orders}/orders?userId=fx-alice&limit=1&cursor=${cursor}`)).body.items?.[0]?.id).toBe('fx-o3');
      expect((await get(`${custom.urls.reviews}/reviews?productId=fx-p1&cursor=${cursor}`)).status).toBe(400);
    } finally {
      await custom.close();
    }
  });
});

/** The raw answer to one GET of `url` on a fresh connection: read to the connection's end or to a last chunk. */
function rawGet(url: string): Promise<string> {
  const { hostname, port, pathname, search } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => socket.write(`GET ${pathname}${search} HTTP/1.1\r\nHost: x\r\n\r\n`));
    let text = '';
    const done = () => {
      socket.destroy();
      resolve(text);
    };
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (text.endsWith('\r\n0\r\n\r\n')) done();
    });
    socket.on('end', done);
    socket.on('error', reject);
  });
}

describe('Wire proxy', () => {
  it("frames the fixture's answers as told, adds unknown fields and leaves nulls out", async () => {
    const wire = await startWireProxy(fx.urls, { framing: { users: 'http10', products: 'chunked' }, contentType: 'application/vnd.x+json', extraFields: true, omitNulls: true });
    try {
      const user = await rawGet(`${wire.urls.users}users/fx-alice`);
      expect(user).toMatch(/^HTTP\/1\.0 200 OK\r\n/);
      expect(user).not.toMatch(/content-length/i);
      expect(user).toContain('Content-Type: application/vnd.x+json');
      expect(JSON.parse(user.slice(user.indexOf('\r\n\r\n') + 4))).toMatchObject({ id: 'fx-alice', revision: 7 });
      const products = await rawGet(`${wire.urls.products}products?categoryId=fx-cat-home&limit=100`);
      expect(products).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*Transfer-Encoding: chunked\r\n/);
      const page = (await (await fetch(`${wire.urls.products}products?categoryId=fx-cat-home&limit=100`)).json()) as Record<string, unknown>;
      expect(page).not.toHaveProperty('nextCursor');
      expect(page).not.toHaveProperty('deprecatedField');
    } finally {
      await wire.close();
    }
  });
});
