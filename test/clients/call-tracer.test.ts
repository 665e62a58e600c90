import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CallTracer, RequestMeta } from '../../clients/index.js';
import { META, type Harness, startHarness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ timeoutMs: 3_000 });
});
afterEach(() => h.reset());
afterAll(() => h.close());

/** A tracer that writes down every step it is told of and adds a `traceparent` per attempt. */
function recordingTracer(): { tracer: CallTracer; steps: unknown[] } {
  const steps: unknown[] = [];
  let spans = 0;
  return {
    steps,
    tracer: {
      start(call) {
        steps.push(['start', call]);
        const span = ++spans;
        return {
          attempt(n) {
            steps.push(['attempt', n]);
            return { traceparent: `00-${'a'.repeat(32)}-${String(span * 10 + n).padStart(16, '0')}-01` };
          },
          retry: (info) => steps.push(['retry', info]),
          end: (event) => steps.push(['end', event]),
        };
      },
    },
  };
}

const PUBLIC = { 'cache-control': 'public, max-age=30' };

describe('Clients: the call tracer seam', () => {
  it('is told of the start, each attempt, the retry and the end, and its headers go out on each attempt', async () => {
    const { tracer, steps } = recordingTracer();
    let seen = 0;
    h.hook(() => (seen++ === 0 ? { status: 503 } : undefined));
    await h.clients.forRequest({ ...META, tracer }).users.getUser('fx-alice');
    expect(steps).toEqual([
      ['start', { service: 'users', method: 'GET', route: '/users/{id}' }],
      ['attempt', 1],
      ['retry', { attempt: 1, status: 503, errorCode: 'UPSTREAM_UNAVAILABLE', waitMs: expect.any(Number) }],
      ['attempt', 2],
      ['end', expect.objectContaining({ service: 'users', route: '/users/{id}', status: 200, attempts: 2 })],
    ]);
    expect(h.upstream.requests.map((r) => r.headers['traceparent'])).toEqual([
      `00-${'a'.repeat(32)}-0000000000000011-01`,
      `00-${'a'.repeat(32)}-0000000000000012-01`,
    ]);
  });

  it('reports the batch size and the cache result: a miss sent, a hit and a coalesced wait without attempts', async () => {
    const { tracer, steps } = recordingTracer();
    const meta: RequestMeta = { ...META, tracer };
    h.hook((req) => {
      if (req.service !== 'products') return undefined;
      const items = h.upstream.data.products.filter((p) => ['fx-p1', 'fx-p2'].includes(p.id));
      return sleep(50).then(() => ({ status: 200, body: JSON.stringify({ items }), headers: PUBLIC }));
    });
    await Promise.all([h.clients.forRequest(meta).products.getProductsByIds(['fx-p1', 'fx-p2']), h.clients.forRequest(meta).products.getProductsByIds(['fx-p1', 'fx-p2'])]);
    await h.clients.forRequest(meta).products.getProductsByIds(['fx-p1', 'fx-p2']);
    const starts = steps.filter((s) => (s as unknown[])[0] === 'start').map((s) => (s as [string, { cache: string; batchSize: number }])[1]);
    expect(starts).toEqual([
      { service: 'products', method: 'GET', route: '/products?ids', batchSize: 2, cache: 'miss' },
      { service: 'products', method: 'GET', route: '/products?ids', batchSize: 2, cache: 'coalesced' },
      { service: 'products', method: 'GET', route: '/products?ids', batchSize: 2, cache: 'hit' },
    ]);
    const ends = steps.filter((s) => (s as unknown[])[0] === 'end').map((s) => (s as [string, { attempts: number }])[1].attempts);
    expect(ends.sort()).toEqual([0, 0, 1]);
    expect(h.upstream.requests).toHaveLength(1);
  });

  it('drops tracer headers that could smuggle, override ours or carry credentials, and survives a tracer that throws', async () => {
    const hostile: CallTracer = {
      start: () => ({
        attempt: () => ({
          'x-correlation-id': 'forged',
          authorization: 'Bearer stolen',
          host: 'elsewhere.example',
          'X-Upper': 'no',
          tracestate: 'vendor=a\r\nx-evil: 1',
          baggage: 'k=v',
        }),
        end: () => {
          throw new Error('tracing broke');
        },
      }),
    };
    expect((await h.clients.forRequest({ ...META, tracer: hostile }).users.getUser('fx-alice'))?.id).toBe('fx-alice');
    const { headers } = h.upstream.requests[0]!;
    expect(headers['x-correlation-id']).toBe('corr-test');
    expect(headers['authorization']).toBeUndefined();
    expect(headers['x-upper']).toBeUndefined();
    expect(headers['tracestate']).toBeUndefined();
    expect(headers['x-evil']).toBeUndefined();
    expect(headers['host']).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(headers['baggage']).toBe('k=v');

    const throwing: CallTracer = {
      start: () => {
        throw new Error('tracer broke');
      },
    };
    expect((await h.clients.forRequest({ ...META, tracer: throwing }).users.getUser('fx-bob'))?.id).toBe('fx-bob');
  });
});
