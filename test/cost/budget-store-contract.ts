/**
 * The behaviour every BudgetStore must have, run once per implementation
 * (in memory, on a real redis-server).
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { BucketPolicy, BudgetStore } from '../../src/cost/budget-store.js';

const SLOW: BucketPolicy = { capacity: 1_000, restorePerSecond: 0.001 };

export function budgetStoreContract(name: string, store: () => BudgetStore): void {
  const key = () => `test:${randomUUID()}`;

  describe(`BudgetStore contract: ${name}`, () => {
    it('starts full and takes what fits', async () => {
      const k = key();
      const first = await store().take(k, 300, SLOW);
      expect(first).toMatchObject({ allowed: true, remaining: 700 });
      expect(await store().take(k, 700, SLOW)).toMatchObject({ allowed: true, remaining: 0 });
    });

    it('refuses what does not fit and then takes nothing', async () => {
      const k = key();
      await store().take(k, 900, SLOW);
      expect(await store().take(k, 200, SLOW)).toMatchObject({ allowed: false, reason: 'budget', remaining: 100 });
      expect(await store().take(k, 100, SLOW)).toMatchObject({ allowed: true, remaining: 0 });
    });

    it('admits exactly 10 of 50 concurrent takes of 100 from a full bucket of 1,000', async () => {
      const k = key();
      const decisions = await Promise.all(Array.from({ length: 50 }, () => store().take(k, 100, SLOW)));
      expect(decisions.filter((d) => d.allowed)).toHaveLength(10);
      expect((await store().peek(k, SLOW)).remaining).toBe(0);
    });

    it('refunds unspent points, never above capacity', async () => {
      const k = key();
      await store().take(k, 500, SLOW);
      expect((await store().refund(k, 200, SLOW)).remaining).toBe(700);
      expect((await store().refund(k, 5_000, SLOW)).remaining).toBe(1_000);
    });

    it('refills over time at the restore rate', async () => {
      const k = key();
      const fast: BucketPolicy = { capacity: 100, restorePerSecond: 1_000 };
      await store().take(k, 100, fast);
      await sleep(60);
      expect((await store().peek(k, fast)).remaining).toBeGreaterThanOrEqual(50);
    });

    it('refills up to its capacity and no further', async () => {
      const k = key();
      const fast: BucketPolicy = { capacity: 100, restorePerSecond: 1_000 };
      await store().take(k, 100, fast);
      // At least 300 points' worth of refill for a bucket of 100.
      await sleep(300);
      expect((await store().peek(k, fast)).remaining).toBe(100);
      expect(await store().take(k, 101, fast)).toMatchObject({ allowed: false, reason: 'budget', remaining: 100 });
    });

    it('peeks without changing anything', async () => {
      const k = key();
      expect((await store().peek(k, SLOW)).remaining).toBe(1_000);
      await store().take(k, 10, SLOW);
      await store().peek(k, SLOW);
      expect((await store().peek(k, SLOW)).remaining).toBe(990);
    });

    it('counts a request quota per window and refuses past it, taking no points', async () => {
      const k = key();
      const quota: BucketPolicy = { ...SLOW, quota: { limit: 3, windowSeconds: 3_600 } };
      for (let i = 1; i <= 3; i++) expect(await store().take(k, 1, quota)).toMatchObject({ allowed: true, quotaUsed: i });
      const refused = await store().take(k, 1, quota);
      expect(refused).toMatchObject({ allowed: false, reason: 'quota', remaining: 997, quotaUsed: 3 });
      expect(refused.quotaResetSeconds).toBeGreaterThan(0);
      expect(refused.quotaResetSeconds).toBeLessThanOrEqual(3_600);
    });

    it("ends a quota window with the clock's window, not an hour after the first request, and says when", async () => {
      const quota: BucketPolicy = { ...SLOW, quota: { limit: 1, windowSeconds: 3_600 } };
      const secondsLeft = () => 3_600 - (Math.floor(Date.now() / 1000) % 3_600);
      const before = secondsLeft();
      const { quotaResetSeconds } = await store().take(key(), 1, quota);
      const after = secondsLeft();
      // Windows are aligned to the clock (a UTC day for the daily quota), so every consumer's resets at the same time.
      expect(quotaResetSeconds).toBeGreaterThanOrEqual(Math.min(before, after));
      expect(quotaResetSeconds).toBeLessThanOrEqual(Math.max(before, after));
    });
  });
}
