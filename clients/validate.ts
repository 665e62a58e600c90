/**
 * Hand-written payload checks at the client boundary. They check only what the
 * gateway relies on (ids are strings, numbers are finite, enums are known,
 * arrays are arrays) and copy the known fields into fresh objects, so an
 * upstream's extra fields never travel further up.
 */
import type { Money, Page } from './types.js';

/**
 * Thrown by the `read*` / `parse*` helpers when a payload has the wrong shape.
 * Internal: `clients/http.ts` turns it into `UPSTREAM_BAD_RESPONSE`; its message
 * names the field, never the value, so nothing of the body is echoed.
 */
export class ShapeError extends Error {
  override readonly name = 'ShapeError';
}

export type Fields = Record<string, unknown>;

/** True for a plain JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True for any string, the empty one included. */
export function isString(value: unknown): value is string {
  return typeof value === 'string';
}

/** True for a number that is neither NaN nor infinite. */
export function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** True for a safe integer (minor units and counts must not lose precision). */
export function isInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

/** The largest count the schemas can carry: GraphQL's `Int` is 32-bit, and a larger one failed as INTERNAL_SERVER_ERROR. */
export const MAX_COUNT = 2 ** 31 - 1;

/** True for a count a schema's `Int` can carry: a whole number from 0 to MAX_COUNT. */
export function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_COUNT;
}

/** True for `true` or `false`. */
export function isBoolean(value: unknown): value is boolean {
  return typeof value === 'boolean';
}

/** True for an array whose every element is a string. */
export function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every(isString);
}

/** An ISO 4217 currency code, as CONTRACT.md §1 writes Money (`"USD"`). */
const CURRENCY = /^[A-Z]{3}$/;

/** True for `{ amountMinor: integer, currency: three-letter ISO 4217 code }` (CONTRACT.md §1, Money). */
export function isMoney(value: unknown): value is Money {
  return isRecord(value) && isInteger(value.amountMinor) && isString(value.currency) && CURRENCY.test(value.currency);
}

/** True when `value` is one of `allowed` (a known enum member). */
export function isOneOf<T extends string>(value: unknown, allowed: readonly T[]): value is T {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value);
}

/** Returns `value` as an object or throws a `ShapeError` naming `what`. */
export function readRecord(value: unknown, what: string): Fields {
  if (!isRecord(value)) throw new ShapeError(`${what} is not an object`);
  return value;
}

function read<T>(o: Fields, key: string, guard: (v: unknown) => v is T, kind: string): T {
  const value = o[key];
  if (!guard(value)) throw new ShapeError(`field ${key} is not ${kind}`);
  return value;
}

/** Reads a string field or throws a `ShapeError`. */
export const readString = (o: Fields, key: string): string => read(o, key, isString, 'a string');
/** Reads a non-empty string field (ids) or throws a `ShapeError`. */
export const readId = (o: Fields, key: string): string =>
  read(o, key, (v): v is string => isString(v) && v.length > 0, 'an id');
/** Reads a finite number field or throws a `ShapeError`. */
export const readNumber = (o: Fields, key: string): number => read(o, key, isFiniteNumber, 'a number');
/** Reads a safe-integer field or throws a `ShapeError`. */
export const readInteger = (o: Fields, key: string): number => read(o, key, isInteger, 'an integer');
/** Reads a count a schema's `Int` can carry (0 to MAX_COUNT); anything else is a ShapeError naming the field. */
export const readCount = (o: Fields, key: string): number => read(o, key, isCount, `a count (0–${MAX_COUNT})`);
/** Reads a boolean field or throws a `ShapeError`. */
export const readBoolean = (o: Fields, key: string): boolean => read(o, key, isBoolean, 'a boolean');
/** Reads a string-array field (copied) or throws a `ShapeError`. */
export const readStringArray = (o: Fields, key: string): string[] => [...read(o, key, isStringArray, 'a string array')];

/** Reads an array field (elements unchecked) or throws a `ShapeError`. */
export const readArray = (o: Fields, key: string): unknown[] =>
  read(o, key, (v): v is unknown[] => Array.isArray(v), 'an array');

/** Reads a Money field (copied) or throws a `ShapeError`. */
export function readMoney(o: Fields, key: string): Money {
  const m = read(o, key, isMoney, 'money');
  return { amountMinor: m.amountMinor, currency: m.currency };
}

/** Reads an enum field or throws a `ShapeError`. */
export function readEnum<T extends string>(o: Fields, key: string, allowed: readonly T[]): T {
  return read(o, key, (v): v is T => isOneOf(v, allowed), 'a known value');
}

/** Parses `{ items: T[] }` (a batch read), each item through `parseItem`. */
export function parseItems<T>(body: unknown, parseItem: (item: unknown) => T): T[] {
  return readArray(readRecord(body, 'body'), 'items').map(parseItem);
}

/**
 * Parses `{ items: T[], nextCursor: string | null }` (a page, CONTRACT.md §1
 * Pages). A `nextCursor` left out is null: serialisers set to skip null fields
 * (Jackson's NON_NULL, .NET's WhenWritingNull, Go's `omitempty` on a pointer)
 * leave it out of every last page.
 */
export function parsePage<T>(body: unknown, parseItem: (item: unknown) => T): Page<T> {
  const items = parseItems(body, parseItem);
  const nextCursor = (body as Fields).nextCursor ?? null;
  // Strict otherwise: reading an empty or mistyped cursor as "last page" would
  // silently truncate a listing, and an empty one cannot be sent back.
  if (nextCursor !== null && (!isString(nextCursor) || nextCursor === '')) {
    throw new ShapeError('field nextCursor is not a cursor or null');
  }
  return { items, nextCursor };
}
