import { describe, expect, it } from 'vitest';
import { MemoryBudgetStore } from '../../src/cost/memory-store.js';
import { budgetStoreContract } from './budget-store-contract.js';

const store = new MemoryBudgetStore();
budgetStoreContract('in memory', () => store);

describe('In-memory budgets under many keys', () => {
  // The sweep that forgets full buckets once there are 50,000 judged every bucket by the policy of whoever arrived
  // next: a flood of anonymous free-tier keys (capacity 1,000) made a part-spent enterprise bucket "full" and reset it.
  it('sweeps each bucket by its own policy: a part-spent bucket of a larger tier is kept', async () => {
    const clock = { now: 1_000_000 };
    const memory = new MemoryBudgetStore(() => clock.now);
    const enterprise = { capacity: 50_000, restorePerSecond: 1_000 };
    const free = { capacity: 1_000, restorePerSecond: 20 };
    expect(await memory.take('web:big-spender', 45_000, enterprise)).toMatchObject({ allowed: true, remaining: 5_000 });
    for (let i = 0; i < 50_001; i++) await memory.take(`public:anon:${i}`, 1, free);
    expect(await memory.peek('web:big-spender', enterprise)).toMatchObject({ remaining: 5_000 });
  });

  it("forgets a bucket once its quota's window is over: a day's anonymous addresses are not kept for good", async () => {
    const clock = { now: 1_000_000 };
    const memory = new MemoryBudgetStore(() => clock.now);
    const daily = { capacity: 1_000, restorePerSecond: 20, quota: { limit: 10_000, windowSeconds: 86_400 } };
    for (let day = 0; day < 3; day++) {
      for (let i = 0; i < 50_000; i++) await memory.take(`public#anon:${day}.${i}`, 5, daily);
      clock.now += 86_400_000;
    }
    // Each day's sweep drops the day before: its buckets are full again and their counts belong to a window that is over.
    expect(memory.size).toBe(50_000);
  });

  it("keeps a full bucket whose quota counts requests in the current window", async () => {
    const clock = { now: 1_000_000 };
    const memory = new MemoryBudgetStore(() => clock.now);
    const daily = { capacity: 1_000, restorePerSecond: 20, quota: { limit: 10_000, windowSeconds: 86_400 } };
    await memory.take('public:partner', 0, daily);
    await memory.take('public:partner', 0, daily);
    for (let i = 0; i < 50_001; i++) await memory.take(`public#anon:${i}`, 0, { capacity: 1_000, restorePerSecond: 20 });
    expect(memory.size).toBeLessThan(50_000);
    expect(await memory.peek('public:partner', daily)).toMatchObject({ quotaUsed: 2 });
  });
});

describe('A daily quota at the end of a UTC day', () => {
  it('refuses until 00:00 UTC, counting down in whole seconds, and admits again from that moment', async () => {
    const midnight = Date.UTC(2026, 11, 2);
    const clock = { now: midnight - 1_400 };
    const memory = new MemoryBudgetStore(() => clock.now);
    const daily = { capacity: 1_000, restorePerSecond: 0.001, quota: { limit: 2, windowSeconds: 86_400 } };
    expect(await memory.take('public:partner', 1, daily)).toMatchObject({ allowed: true, quotaUsed: 1 });
    expect(await memory.take('public:partner', 1, daily)).toMatchObject({ allowed: true, quotaUsed: 2, quotaResetSeconds: 2 });
    // 23:59:58.6: 1.4 s to go, said as 2 (a client waiting that long is past midnight).
    expect(await memory.take('public:partner', 1, daily)).toMatchObject({ allowed: false, reason: 'quota', quotaResetSeconds: 2 });
    clock.now += 1_000;
    expect(await memory.take('public:partner', 1, daily)).toMatchObject({ allowed: false, reason: 'quota', quotaResetSeconds: 1 });
    clock.now += 1_000;
    expect(await memory.take('public:partner', 1, daily)).toMatchObject({ allowed: true, quotaUsed: 1, quotaResetSeconds: 86_400 });
    // The points are the bucket's, refilled continuously: the day's end gives none back, and takes none.
    expect((await memory.peek('public:partner', daily)).remaining).toBe(997);
  });
});
