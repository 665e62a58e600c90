import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Clients } from '../clients/index.js';
import { createClients } from '../clients/create-clients.js';
import { createLoaders } from '../src/loaders.js';
import { startFixtureUpstream, type FixtureUpstream } from './helpers/fixture-upstream.js';

/** Each request the fixture saw for the inventory service, as its sorted list of product ids. */
function stockReads(upstream: FixtureUpstream): string[][] {
  return upstream.requests
    .filter((r) => r.service === 'inventory')
    .map((r) => (r.query.get('productIds') ?? '').split(',').filter(Boolean).sort());
}

describe('Per-request loaders: one read per id, whether a field loads it or a list settles it', () => {
  let upstream: FixtureUpstream;
  let clients: Clients;
  beforeAll(async () => {
    // Every inventory answer is held a little, so a second way of asking comes while the first read is in flight.
    upstream = await startFixtureUpstream({
      onRequest: async (request) => {
        if (request.service === 'inventory') await new Promise((resolve) => setTimeout(resolve, 30));
      },
    });
    clients = createClients({ urls: upstream.urls, timeoutMs: 2000, circuit: { failureThreshold: 5, cooldownMs: 1000 } });
  });
  afterEach(() => {
    upstream.requests.length = 0;
  });
  afterAll(async () => {
    clients.close();
    await upstream.close();
  });

  const loadersFor = (id: string) => createLoaders(clients.forRequest({ correlationId: id }), 'free');

  it('a list settling ids a field is already loading waits for that read instead of asking again', async () => {
    const loaders = loadersFor('loaders-1');
    const field = loaders.stock.load('fx-p2');
    // The field's batch goes out at the end of this tick; the list asks once it is in flight.
    await new Promise((resolve) => setImmediate(resolve));
    await loaders.settle('stock', ['fx-p2', 'fx-p3']);
    expect((await field)?.quantity).toBe(3);
    expect(loaders.settled('stock', 'fx-p3')).toMatchObject({ quantity: 50 });
    expect(stockReads(upstream)).toEqual([['fx-p2'], ['fx-p3']]);
  });

  it('a field loading an id a list has settled, or is settling, reads no more', async () => {
    const loaders = loadersFor('loaders-2');
    const settling = loaders.settle('stock', ['fx-p4', 'fx-p5']);
    const [inFlight] = await Promise.all([loaders.stock.load('fx-p4'), settling]);
    const answered = await loaders.stock.load('fx-p5');
    expect([inFlight?.quantity, answered?.quantity]).toEqual([10, 11]);
    expect(stockReads(upstream)).toEqual([['fx-p4', 'fx-p5']]);
  });
});
