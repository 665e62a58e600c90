import type { Review, ReviewSummary } from '../../clients/reviews/types.js';
import type { DemoData } from './data.js';
import { createHandler, PUBLIC_CACHE, type DemoHandler, type HandlerOptions } from './http.js';
import { pageReply } from './paging.js';
import { requiredParam } from './params.js';
import { batchRead } from './reads.js';
import { groupBy, newestFirst, Table } from './table.js';

/**
 * The reviews service (CONTRACT.md §1 "reviews"): `GET /reviews/summary?productIds=`
 * (every known product, `0`/`0` without reviews) and
 * `GET /reviews?productId=&limit=&cursor=`, newest first.
 */
export function createReviewsHandler(data: DemoData, options: HandlerOptions = {}): DemoHandler {
  const reviews = new Table(data.reviews, (review) => review.id);
  const byProduct = groupBy(data.reviews, (review) => review.productId);
  for (const list of byProduct.values()) list.sort(newestFirst);
  const summaries = new Table(
    data.products.map((product) => summarize(product.id, byProduct.get(product.id) ?? [])),
    (summary) => summary.productId,
  );

  return createHandler(
    {
      name: 'reviews',
      cacheControl: PUBLIC_CACHE,
      routes: [
        { method: 'GET', path: '/reviews/summary', handle: ({ query }) => batchRead(query, 'productIds', summaries) },
        {
          method: 'GET',
          path: '/reviews',
          handle: ({ query }) => {
            const productId = requiredParam(query, 'productId');
            return pageReply(query, {
              id: `reviews?${new URLSearchParams({ productId })}`,
              items: byProduct.get(productId) ?? [],
              compare: newestFirst,
              find: (id) => {
                const review = reviews.get(id);
                return review?.productId === productId ? review : undefined;
              },
            });
          },
        },
      ],
    },
    options,
  );
}

function summarize(productId: string, reviews: readonly Review[]): ReviewSummary {
  const sum = reviews.reduce((total, review) => total + review.rating, 0);
  const averageRating = reviews.length === 0 ? 0 : Math.round((sum / reviews.length) * 10) / 10;
  return { productId, averageRating, count: reviews.length };
}
