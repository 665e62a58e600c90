import { auditServer } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/gateway.js';
import { startTestGateway } from '../helpers/gateway.js';

let gateway: Gateway;
beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(() => gateway.close());

describe('GraphQL over HTTP compliance (graphql-http audit)', () => {
  for (const audience of ['mobile', 'web', 'public'] as const) {
    it(`has no failing audit on /${audience}/graphql`, async () => {
      const results = await auditServer({ url: `${gateway.url}/${audience}/graphql` });
      const failures = results.filter((r) => r.status === 'error').map((r) => `${r.id} ${r.name}`);
      expect(failures).toEqual([]);
      expect(results.filter((r) => r.status === 'ok').length).toBeGreaterThanOrEqual(55);
    });
  }
});
