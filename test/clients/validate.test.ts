import { describe, expect, it } from 'vitest';
import { parseOrder } from '../../clients/orders/parse.js';
import { parseReviewSummary } from '../../clients/reviews/parse.js';
import { parseUser } from '../../clients/users/parse.js';
import { isMoney, parsePage, ShapeError } from '../../clients/validate.js';

describe('Clients: payload validation', () => {
  it('accepts integer minor units with a currency and nothing else as Money', () => {
    expect(isMoney({ amountMinor: 1999, currency: 'USD' })).toBe(true);
    // The currency is an ISO 4217 code: a client formats the amount by it, so it is never an arbitrary string.
    for (const bad of [
      { amountMinor: 19.99, currency: 'USD' }, { amountMinor: '1999', currency: 'USD' }, { amountMinor: 1 }, null,
      { amountMinor: 1, currency: '' }, { amountMinor: 1, currency: 'usd' }, { amountMinor: 1, currency: 'US Dollars' }, { amountMinor: 1, currency: 'X'.repeat(10_000) },
    ]) {
      expect(isMoney(bad)).toBe(false);
    }
  });

  it('copies only the known fields, so extra upstream fields go no further', () => {
    const user = parseUser({
      id: 'u1', name: 'N', email: 'e', avatarUrl: 'a', avatarThumbUrl: 't', tier: 'free', createdAt: 'c', passwordHash: 'x',
    });
    expect(Object.keys(user)).not.toContain('passwordHash');
  });

  it('names the field but never the value in its error', () => {
    const error = (() => {
      try {
        parseUser({ id: 'u1', name: 'N', email: 'e', avatarUrl: 'a', avatarThumbUrl: 't', tier: 'platinum-secret', createdAt: 'c' });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ShapeError);
    expect((error as Error).message).toContain('tier');
    expect((error as Error).message).not.toContain('platinum');
  });

  it('rejects counts a schema Int cannot carry: a line quantity past 2^31 - 1, or lines summing past it', () => {
    const line = { productId: 'p', quantity: 2 ** 31 - 1, unitPrice: { amountMinor: 1, currency: 'USD' } };
    const order = { id: 'o', userId: 'u', status: 'paid', createdAt: 'c', lines: [line], total: { amountMinor: 1, currency: 'USD' } };
    expect(parseOrder(order).lines[0]!.quantity).toBe(2 ** 31 - 1);
    expect(() => parseOrder({ ...order, lines: [{ ...line, quantity: 2 ** 31 }] })).toThrow(ShapeError);
    expect(() => parseOrder({ ...order, lines: [line, { ...line, productId: 'q', quantity: 1 }] })).toThrow(ShapeError);
    expect(() => parseOrder({ ...order, lines: [{ ...line, quantity: -1 }] })).toThrow(ShapeError);
  });

  it("rejects an average rating outside the contract's 0–5", () => {
    expect(parseReviewSummary({ productId: 'p', averageRating: 4.5, count: 2 }).averageRating).toBe(4.5);
    expect(parseReviewSummary({ productId: 'p', averageRating: 0, count: 0 }).averageRating).toBe(0);
    for (const averageRating of [-1e308, -0.1, 5.1, 1e308]) {
      expect(() => parseReviewSummary({ productId: 'p', averageRating, count: 1 })).toThrow(ShapeError);
    }
  });

  it('rejects non-finite numbers, unknown enums and cursors that are not a non-empty string or null', () => {
    const line = { productId: 'p', quantity: 1, unitPrice: { amountMinor: 1, currency: 'USD' } };
    const order = { id: 'o', userId: 'u', status: 'paid', createdAt: 'c', lines: [line], total: { amountMinor: 1, currency: 'USD' } };
    expect(parseOrder(order).lines).toEqual([line]);
    expect(() => parseOrder({ ...order, lines: [{ ...line, quantity: Number.NaN }] })).toThrow(ShapeError);
    expect(() => parseOrder({ ...order, status: 'lost' })).toThrow(ShapeError);
    for (const nextCursor of ['', 0, false, {}]) expect(() => parsePage({ items: [], nextCursor }, (x) => x)).toThrow(ShapeError);
    expect(parsePage({ items: [], nextCursor: null }, (x) => x)).toEqual({ items: [], nextCursor: null });
  });

  // A serialiser set to skip nulls leaves nextCursor out of a last page: that was UPSTREAM_BAD_RESPONSE, at the end of every list.
  it('reads a page without nextCursor as a last page, as one with nextCursor: null', () => {
    expect(parsePage({ items: [1] }, (x) => x)).toEqual({ items: [1], nextCursor: null });
  });
});
