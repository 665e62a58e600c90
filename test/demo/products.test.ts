import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Product } from '../../clients/products/types.js';
import type { Page } from '../../clients/types.js';
import { startDemoServices, type DemoServices } from '../../src/demo/index.js';
import { expectError, request } from './helpers.js';

describe('Demo products service', () => {
  let services: DemoServices;
  beforeAll(async () => {
    services = await startDemoServices();
  });
  afterAll(() => services.close());

  const list = (query: string) => request<Page<Product>>(`${services.urls.products}/products?${query}`);
  const walkAll = async (query: string): Promise<Product[]> => {
    const items: Product[] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const response = await list(`${query}&limit=100${cursor === '' ? '' : `&cursor=${encodeURIComponent(cursor)}`}`);
      expect(response.status).toBe(200);
      items.push(...response.body.items);
      cursor = response.body.nextCursor;
    }
    return items;
  };

  it('answers GET /products/{id} with the product', async () => {
    const response = await request<Product>(`${services.urls.products}/products/p1`);
    expect(response.status).toBe(200);
    expect(response.body).toEqual(services.data.products[0]);
    expect(response.body.thumbnailUrl).toBe('https://img.example.com/products/p1_thumb.jpg');
  });

  it('answers an unknown product with 404 and the error body', async () => {
    expectError(await request(`${services.urls.products}/products/p0`), 404, 'NOT_FOUND');
  });

  it('answers GET /products?ids= with { items }', async () => {
    const response = await request<{ items: Product[] }>(`${services.urls.products}/products?ids=p10,p2`);
    expect(response.body.items.map((product) => product.id)).toEqual(['p2', 'p10']);
  });

  it('lists products by id in natural order: p1, p2, … p10', async () => {
    const response = await list('limit=12');
    expect(response.body.items.map((product) => product.id)).toEqual(Array.from({ length: 12 }, (_, i) => `p${i + 1}`));
  });

  it('pages through the whole catalog', async () => {
    const all = await walkAll('');
    expect(all.map((product) => product.id)).toEqual(services.data.products.map((product) => product.id));
  });

  it('filters by categoryId', async () => {
    const all = await walkAll('categoryId=c3');
    expect(all).toHaveLength(40);
    for (const product of all) expect(product.categoryId).toBe('c3');
  });

  it('matches q as a case-insensitive substring of the name', async () => {
    const all = await walkAll('q=RUNNING%20shoe');
    expect(all.length).toBeGreaterThan(0);
    for (const product of all) expect(product.name.toLowerCase()).toContain('running shoe');
    const expected = services.data.products.filter((product) => product.name.toLowerCase().includes('running shoe'));
    expect(all.map((product) => product.id)).toEqual(expected.map((product) => product.id));
  });

  it('combines categoryId and q, and answers an empty page when nothing matches', async () => {
    const response = await list('categoryId=c1&q=tent');
    expect(response.body).toEqual({ items: [], nextCursor: null });
  });

  it('rejects a cursor from another filter with 400', async () => {
    const shoes = await list('q=shoe&limit=2');
    expectError(await list(`q=tent&limit=2&cursor=${encodeURIComponent(shoes.body.nextCursor ?? '')}`), 400, 'BAD_REQUEST');
  });
});
