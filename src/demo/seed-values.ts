import type { Money } from '../../clients/types.js';
import type { Random } from './random.js';

/** Every seeded timestamp is before this instant, so the data never depends on the clock. */
export const SEED_EPOCH_MS = Date.UTC(2026, 5, 1);

const DAY_MS = 86_400_000;

/** An ISO timestamp between `minDays` and `maxDays` before the epoch, whole seconds. */
export function daysBeforeEpoch(rng: Random, minDays: number, maxDays: number): string {
  const offset = minDays * DAY_MS + Math.floor(rng.next() * (maxDays - minDays) * DAY_MS);
  return new Date(Math.floor((SEED_EPOCH_MS - offset) / 1000) * 1000).toISOString();
}

/** Whole days between a seeded timestamp and the epoch. */
export function ageInDays(iso: string): number {
  return Math.floor((SEED_EPOCH_MS - Date.parse(iso)) / DAY_MS);
}

/** US dollars in integer cents. */
export function usd(amountMinor: number): Money {
  return { amountMinor, currency: 'USD' };
}

/**
 * Sorts records oldest first and numbers them `${prefix}1…`, so a higher id is
 * never older: ids then break createdAt ties the same way in every list.
 */
export function numberChronologically<T extends { id: string; createdAt: string }>(records: T[], prefix: string): T[] {
  const sorted = records
    .map((record, index) => ({ record, index }))
    .sort((a, b) => compareStrings(a.record.createdAt, b.record.createdAt) || a.index - b.index)
    .map(({ record }) => record);
  sorted.forEach((record, i) => {
    record.id = `${prefix}${i + 1}`;
  });
  return sorted;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
