import { type Fields, readCount, readId, readNumber, readRecord, readString, ShapeError } from '../validate.js';
import type { Review, ReviewSummary } from './types.js';

/** Checks and copies one `ReviewSummary` (CONTRACT.md §1 reviews); throws a `ShapeError` when wrong. */
export function parseReviewSummary(value: unknown): ReviewSummary {
  const o = readRecord(value, 'review summary');
  return { productId: readId(o, 'productId'), averageRating: readAverageRating(o), count: readCount(o, 'count') };
}

/** A product's average rating: 0–5 (CONTRACT.md), so a lying service cannot show a product rated -1e308. */
function readAverageRating(o: Fields): number {
  const rating = readNumber(o, 'averageRating');
  if (rating < 0 || rating > 5) throw new ShapeError('field averageRating is not 0-5');
  return rating;
}

/** A review's rating: a whole 1–5 (CONTRACT.md), as the schemas' `Int` needs it (4.5 failed serialising, as INTERNAL_SERVER_ERROR). */
function readRating(o: Fields): number {
  const rating = readCount(o, 'rating');
  if (rating < 1 || rating > 5) throw new ShapeError('field rating is not 1-5');
  return rating;
}

/** Checks and copies one `Review`; throws a `ShapeError` when wrong. */
export function parseReview(value: unknown): Review {
  const o = readRecord(value, 'review');
  return {
    id: readId(o, 'id'),
    productId: readId(o, 'productId'),
    userId: readId(o, 'userId'),
    rating: readRating(o),
    title: readString(o, 'title'),
    body: readString(o, 'body'),
    createdAt: readString(o, 'createdAt'),
  };
}
