import { getOperationAST, parse } from 'graphql';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { buildCostModel } from '../../src/cost/model.js';
import { planOperation, type OperationPlan } from '../../src/plan/operation-plan.js';
import { buildAudienceSchema } from '../../src/schema.js';

// A heap measured after a full collection: what the plans keep, not what the test left for the collector.
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;
const heapAfterCollection = () => {
  collect();
  return process.memoryUsage().heapUsed;
};

describe('A plan’s memo of priced estimates', () => {
  it('keeps a bounded amount of memory, whatever strings the variables carry', () => {
    const schema = buildAudienceSchema('public');
    const model = buildCostModel(schema);
    const plans: OperationPlan[] = [];
    const before = heapAfterCollection();
    // Four documents, each priced with 256 distinct 90 KB cursors (anyone can send these: the estimate comes before
    // credentials and budgets are checked). Kept whole, the memo held 92 MB here, and 11 GB across 500 plans.
    for (let d = 0; d < 4; d++) {
      const document = parse(`query C${d}($after: String) { products(first: 1, after: $after) { edges { node { id } } } }`);
      const plan = planOperation({ schema, model, engine: 'graphql-js' }, document, getOperationAST(document)!);
      plans.push(plan);
      for (let v = 0; v < 256; v++) {
        const coerced = plan.coerce({ after: `${d}-${v}-`.padEnd(90_000, 'x') });
        if (!coerced.ok) throw new Error('the cursor should coerce');
        expect(plan.estimate(coerced.variables)).toBeGreaterThan(0);
      }
    }
    expect(plans).toHaveLength(4);
    expect(heapAfterCollection() - before).toBeLessThan(16 * 1024 * 1024);
  });
});
