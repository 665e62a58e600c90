import { afterEach, describe, expect, it } from 'vitest';
import { createRetryBudget } from '../../clients/retry-budget.js';
import { type Harness, rejectionOf, startHarness } from './harness.js';

describe('Retry budget', () => {
  it('allows the reserve at once, then one retry per five calls', () => {
    const budget = createRetryBudget({ ratio: 0.2, reserve: 10 });
    let granted = 0;
    while (budget.withdraw()) granted += 1;
    expect(granted).toBe(10);
    for (let i = 0; i < 4; i++) budget.deposit();
    expect(budget.withdraw()).toBe(false);
    budget.deposit();
    expect(budget.withdraw()).toBe(true);
  });

  it('banks no more than the reserve however long the service was healthy', () => {
    const budget = createRetryBudget({ ratio: 0.2, reserve: 10 });
    for (let i = 0; i < 10_000; i++) budget.deposit();
    let granted = 0;
    while (budget.withdraw()) granted += 1;
    expect(granted).toBe(10);
  });
});

describe('Clients: retries under sustained failure', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('keeps retries of a service answering 503 to every call within 20% of calls plus the reserve of 10', async () => {
    // The breaker would stop the calls altogether; this test is about the budget alone.
    h = await startHarness({ retries: 2, circuit: { failureThreshold: 100_000 } });
    h.hook(() => ({ status: 503 }));
    const calls = 150;
    for (let i = 0; i < calls; i++) {
      expect(await rejectionOf(h.api.products.getProductsByIds([`fx-p${i}`]))).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    }
    const retries = h.upstream.requests.length - calls;
    // Without a budget: 2 retries per call, 300.
    expect(retries).toBeLessThanOrEqual(0.2 * calls + 10);
    // Retries still happen: the budget limits them, it does not switch them off.
    expect(retries).toBeGreaterThanOrEqual(0.2 * calls);
  });

  it('keeps one budget per service: a failing service does not spend another one’s retries', async () => {
    h = await startHarness({ retries: 1, circuit: { failureThreshold: 100_000 }, retryBudget: { reserve: 2, ratio: 0 } });
    h.hook((req) => (req.service === 'products' ? { status: 503 } : undefined));
    for (let i = 0; i < 5; i++) await rejectionOf(h.api.products.getProductsByIds(['fx-p1']));
    expect(h.upstream.requests.filter((r) => r.service === 'products')).toHaveLength(5 + 2);
    let first = true;
    h.hook((req) => (req.service === 'reviews' && first ? ((first = false), { status: 503 }) : undefined));
    expect((await h.api.reviews.listReviews('fx-p1')).items.length).toBeGreaterThan(0);
    expect(h.upstream.requests.filter((r) => r.service === 'reviews')).toHaveLength(2);
  });
});
