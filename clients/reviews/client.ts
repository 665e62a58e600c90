import type { ReviewsClient } from '../index.js';
import { batchRead, pageQuery, type Upstream } from '../upstream.js';
import { parseItems, parsePage } from '../validate.js';
import { parseReview, parseReviewSummary } from './parse.js';

/** The reviews service's verbs (CONTRACT.md §1 reviews) over one bound upstream. */
export function createReviewsClient(up: Upstream): ReviewsClient {
  return {
    getSummariesByProductIds: (productIds) =>
      batchRead(productIds, (chunk) =>
        up.get('/reviews/summary', ['reviews', 'summary'], { productIds: chunk }, (body) =>
          parseItems(body, parseReviewSummary),
        ),
      ),
    listReviews: (productId, page) =>
      up.get('/reviews', ['reviews'], { productId, ...pageQuery(page) }, (body) => parsePage(body, parseReview)),
  };
}
