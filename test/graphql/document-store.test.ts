import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { anonymousConsumer } from '../../src/auth/consumer.js';
import { createOnce, type Context } from '../../src/context.js';
import { DEFAULT_RATE_LIMITS } from '../../src/cost/limits.js';
import { MemoryBudgetStore } from '../../src/cost/memory-store.js';
import { createAudienceServer } from '../../src/graphql/audience-server.js';
import { createDocumentStore } from '../../src/graphql/document-store.js';
import { createLogger } from '../../src/logger.js';

describe("Apollo's document store", () => {
  it('holds no more documents than the plan cache, however many distinct documents arrive', async () => {
    const logger = createLogger('silent');
    const { server, planner, documents } = await createAudienceServer('public', {
      production: false,
      maxTokens: 2_000,
      logger,
      shapeLimits: { maxDepth: 10, maxAliases: 30, maxDirectives: 50 },
      rateLimits: DEFAULT_RATE_LIMITS.public,
      budgets: new MemoryBudgetStore(),
      planCacheSize: 10,
    });
    try {
      for (let n = 0; n < 30; n++) {
        const contextValue = {
          audience: 'public',
          consumer: anonymousConsumer('192.0.2.1'),
          correlationId: `doc-${n}`,
          clients: {},
          loaders: {},
          logger,
          once: createOnce(),
        } as unknown as Context;
        const response = await server.executeOperation({ query: `query Q${n} { __typename }` }, { contextValue });
        expect(response.body.kind === 'single' && response.body.singleResult.data).toEqual({ __typename: 'Query' });
      }
      expect(planner.compiled).toBe(30);
      expect(planner.size).toBe(10);
      expect(documents.size).toBe(10);
    } finally {
      await server.stop();
    }
  });

  it('holds no more document text than its bound, least recently used dropped first', async () => {
    const store = createDocumentStore(100, 25_000);
    const texts = Array.from({ length: 5 }, (_, n) => `query Q${n}_${'x'.repeat(10_000)} { __typename }`);
    for (const [n, text] of texts.entries()) await store.set(`d${n}`, parse(text));
    expect(store.size).toBe(2);
    expect(await store.get('d4')).toBeDefined();
    expect(await store.get('d2')).toBeUndefined();
  });

  it('evicts the least recently used document first', async () => {
    const store = createDocumentStore(2);
    const document = { kind: 'Document', definitions: [] } as never;
    await store.set('a', document);
    await store.set('b', document);
    await store.get('a');
    await store.set('c', document);
    expect(await store.get('a')).toBe(document);
    expect(await store.get('b')).toBeUndefined();
    expect(store.size).toBe(2);
  });
});
