import { readId, readRecord, readString, readStringArray } from '../validate.js';
import type { Product } from './types.js';

/** Checks and copies one `Product` (CONTRACT.md §1 products); throws a `ShapeError` when wrong. */
export function parseProduct(value: unknown): Product {
  const o = readRecord(value, 'product');
  return {
    id: readId(o, 'id'),
    name: readString(o, 'name'),
    description: readString(o, 'description'),
    categoryId: readString(o, 'categoryId'),
    imageUrl: readString(o, 'imageUrl'),
    thumbnailUrl: readString(o, 'thumbnailUrl'),
    tags: readStringArray(o, 'tags'),
  };
}
