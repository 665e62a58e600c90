import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, rejectionOf, startHarness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterEach(() => h.reset());
afterAll(() => h.close());

/** Headers a client sends: our allowlist plus what HTTP/1.1 transport itself adds. */
const ALLOWED = new Set([
  'x-correlation-id',
  'x-consumer-id',
  'idempotency-key',
  'accept',
  'accept-encoding',
  'content-type',
  'user-agent',
  // transport: added by the HTTP client itself, carry nothing of the caller
  'host',
  'connection',
  'content-length',
]);

describe('Clients: upstream headers', () => {
  it('sends X-Correlation-ID, X-Consumer-ID, Accept, Accept-Encoding: identity and our User-Agent on a GET, and nothing else', async () => {
    await h.api.users.getUser('fx-alice');
    const { headers } = h.upstream.requests[0]!;
    expect(headers).toMatchObject({
      'x-correlation-id': 'corr-test',
      'x-consumer-id': 'fx-alice',
      accept: 'application/json',
      'accept-encoding': 'identity',
      'user-agent': 'bff-gateway',
    });
    expect(headers['idempotency-key']).toBeUndefined();
    expect(Object.keys(headers).filter((name) => !ALLOWED.has(name))).toEqual([]);
    for (const name of ['authorization', 'cookie', 'x-api-key']) expect(headers[name]).toBeUndefined();
  });

  it('sends no X-Consumer-ID for an anonymous request', async () => {
    await h.clients.forRequest({ correlationId: 'corr-anon' }).products.getProduct('fx-p1');
    expect(h.upstream.requests[0]!.headers['x-consumer-id']).toBeUndefined();
    expect(h.upstream.requests[0]!.headers['x-correlation-id']).toBe('corr-anon');
  });

  it("sends the caller's Idempotency-Key and a JSON Content-Type on POST /orders", async () => {
    await h.api.orders.placeOrder({ userId: 'fx-alice', lines: [{ productId: 'fx-p1', quantity: 1 }] }, 'caller-key-1');
    const { headers, method } = h.upstream.requests[0]!;
    expect(method).toBe('POST');
    expect(headers['idempotency-key']).toBe('caller-key-1');
    expect(headers['content-type']).toBe('application/json');
    expect(Object.keys(headers).filter((name) => !ALLOWED.has(name))).toEqual([]);
  });

  it('rejects an Idempotency-Key that cannot be sent as a header with BAD_USER_INPUT, without a call', async () => {
    const order = { userId: 'fx-alice', lines: [{ productId: 'fx-p1', quantity: 1 }] };
    for (const key of ['bad\r\nX-Evil: 1', '', 'k'.repeat(300)]) {
      expect(await rejectionOf(h.api.orders.placeOrder(order, key))).toMatchObject({ code: 'BAD_USER_INPUT', service: 'orders' });
    }
    expect(h.upstream.requests).toHaveLength(0);
  });

  it('sends a fresh generated Idempotency-Key on every POST /notifications/{id}/read', async () => {
    await h.api.notifications.markRead('fx-n2');
    await h.api.notifications.markRead('fx-n2');
    const keys = h.upstream.requests.map((r) => r.headers['idempotency-key']);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(keys[1]).toMatch(/^[0-9a-f-]{36}$/);
    expect(keys[0]).not.toBe(keys[1]);
  });

  it('replaces a correlation id that could split headers, and encodes an unusual consumer id', async () => {
    const api = h.clients.forRequest({ correlationId: 'a\r\nX-Evil: 1', consumerId: 'ünï cödé 🙂' });
    await api.users.getUser('fx-bob');
    const { headers } = h.upstream.requests[0]!;
    expect(headers['x-evil']).toBeUndefined();
    expect(headers['x-correlation-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(decodeURIComponent(String(headers['x-consumer-id']))).toBe('ünï cödé 🙂');
  });

  // 'ü' went as '%C3%BC', and so did a consumer whose id is the text '%C3%BC': two consumers, one header.
  it('encodes a consumer id holding a % too, so no two ids reach a service as the same header', async () => {
    for (const consumerId of ['ü', '%C3%BC', 'plain-id']) await h.clients.forRequest({ correlationId: 'c-1', consumerId }).users.getUser('fx-bob');
    const sent = h.upstream.requests.map((r) => String(r.headers['x-consumer-id']));
    expect(sent).toEqual(['%C3%BC', '%25C3%25BC', 'plain-id']);
    expect(sent.map((value) => decodeURIComponent(value))).toEqual(['ü', '%C3%BC', 'plain-id']);
  });
});
