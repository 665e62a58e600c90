import { getOperationAST, parse } from 'graphql';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { buildCostModel } from '../../src/cost/model.js';
import { estimateCost } from '../../src/cost/price.js';
import { planOperation } from '../../src/plan/operation-plan.js';
import { buildAudienceSchema } from '../../src/schema.js';

// Counted, so the test sees what the memo keeps: a repeated estimate that is not priced again was remembered.
vi.mock('../../src/cost/price.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/cost/price.js')>();
  return { ...real, estimateCost: vi.fn(real.estimateCost) };
});

const schema = buildAudienceSchema('public');
const model = buildCostModel(schema);
const document = parse('query C($after: String) { products(first: 1, after: $after) { edges { node { id } } } }');

/** A fresh plan, and how many times pricing `after` again runs the estimator. */
function pricing() {
  const plan = planOperation({ schema, model, engine: 'graphql-js' }, document, getOperationAST(document)!);
  return (after: string) => {
    const coerced = plan.coerce({ after });
    if (!coerced.ok) throw new Error('the cursor should coerce');
    const before = vi.mocked(estimateCost).mock.calls.length;
    expect(plan.estimate(coerced.variables)).toBeGreaterThan(0);
    return vi.mocked(estimateCost).mock.calls.length - before;
  };
}

describe('A plan’s memo of priced estimates', () => {
  beforeEach(() => vi.mocked(estimateCost).mockClear());

  it('remembers an estimate by its variables', () => {
    const price = pricing();
    expect(price('c1')).toBe(1);
    expect(price('c1')).toBe(0);
  });

  it('never keeps variables longer than its whole budget of characters (anyone may send a 90 KB cursor)', () => {
    const price = pricing();
    const long = 'x'.padEnd(90_000, 'x');
    expect(price(long)).toBe(1);
    expect(price(long)).toBe(1);
  });

  it('starts afresh when the variables it keeps would pass 64 K characters in all', () => {
    const price = pricing();
    const cursor = (n: number) => `${n}-`.padEnd(30_000, 'x');
    expect(price(cursor(1))).toBe(1);
    expect(price(cursor(2))).toBe(1);
    // Both kept: 60 K characters.
    expect(price(cursor(1))).toBe(0);
    expect(price(cursor(2))).toBe(0);
    // A third would pass 64 K: the memo is cleared for it, and the first two are priced again.
    expect(price(cursor(3))).toBe(1);
    expect(price(cursor(3))).toBe(0);
    expect(price(cursor(1))).toBe(1);
  });
});
