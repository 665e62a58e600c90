import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/observability/metrics.js';

describe('docs/operations.md, "Metrics"', () => {
  it("lists every series of the gateway's own", () => {
    const documented = readFileSync('docs/operations.md', 'utf8');
    const names = createMetrics()
      .registry.getMetricsAsArray()
      .map((metric) => metric.name)
      .filter((name) => name.startsWith('bff_'));
    expect(names.length).toBeGreaterThan(15);
    expect(names.filter((name) => !documented.includes(`\`${name}\``))).toEqual([]);
  });
});
