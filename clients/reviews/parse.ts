import { readCount, readId, readNumber, readRecord, readString } from '../validate.js';
import type { Review, ReviewSummary } from './types.js';

/** Checks and copies one `ReviewSummary` (CONTRACT.md §1 reviews); throws a `ShapeError` when wrong. */
export function parseReviewSummary(value: unknown): ReviewSummary {
  const o = readRecord(value, 'review summary');
  return { productId: readId(o, 'productId'), averageRating: readNumber(o, 'averageRating'), count: readCount(o, 'count') };
}

/** Checks and copies one `Review`; throws a `ShapeError` when wrong. */
export function parseReview(value: unknown): Review {
  const o = readRecord(value, 'review');
  return {
    id: readId(o, 'id'),
    productId: readId(o, 'productId'),
    userId: readId(o, 'userId'),
    rating: readNumber(o, 'rating'),
    title: readString(o, 'title'),
    body: readString(o, 'body'),
    createdAt: readString(o, 'createdAt'),
  };
}
