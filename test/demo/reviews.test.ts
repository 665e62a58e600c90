import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Review, ReviewSummary } from '../../clients/reviews/types.js';
import type { Page } from '../../clients/types.js';
import { startDemoServices, type DemoServices } from '../../src/demo/index.js';
import { expectError, request } from './helpers.js';

describe('Demo reviews service', () => {
  let services: DemoServices;
  beforeAll(async () => {
    services = await startDemoServices();
  });
  afterAll(() => services.close());

  const summaries = async (productIds: string) =>
    (await request<{ items: ReviewSummary[] }>(`${services.urls.reviews}/reviews/summary?productIds=${productIds}`)).body.items;
  const reviews = (query: string) => request<Page<Review>>(`${services.urls.reviews}/reviews?${query}`);

  it('summarizes a product’s reviews: the average to one decimal and the count', async () => {
    const [summary] = await summaries('p1');
    const own = services.data.reviews.filter((review) => review.productId === 'p1');
    const average = own.reduce((sum, review) => sum + review.rating, 0) / own.length;
    expect(summary).toEqual({ productId: 'p1', averageRating: Math.round(average * 10) / 10, count: 25 });
  });

  it('answers 0 and 0 for a product without reviews', async () => {
    expect(await summaries('p3')).toEqual([{ productId: 'p3', averageRating: 0, count: 0 }]);
  });

  it('lists a product’s reviews newest first and pages through them', async () => {
    const first = await reviews('productId=p1&limit=10');
    expect(first.status).toBe(200);
    const second = await reviews(`productId=p1&limit=20&cursor=${encodeURIComponent(first.body.nextCursor ?? '')}`);
    const all = [...first.body.items, ...second.body.items];
    expect(all).toHaveLength(25);
    expect(second.body.nextCursor).toBeNull();
    expect(new Set(all.map((review) => review.id)).size).toBe(25);
    const dates = all.map((review) => review.createdAt);
    expect(dates).toEqual([...dates].sort().reverse());
    for (const review of all) expect(review.productId).toBe('p1');
  });

  it('answers an empty page for a product without reviews', async () => {
    expect((await reviews('productId=p3')).body).toEqual({ items: [], nextCursor: null });
  });

  it('requires productId', async () => {
    expectError(await reviews('limit=5'), 400, 'BAD_REQUEST');
  });

  it('rejects a cursor from another product’s reviews with 400', async () => {
    const p1 = await reviews('productId=p1&limit=2');
    expectError(await reviews(`productId=p2&cursor=${encodeURIComponent(p1.body.nextCursor ?? '')}`), 400, 'BAD_REQUEST');
  });
});
