import { describe, expect, it } from 'vitest';
import { ORDER_STATUSES } from '../../clients/orders/types.js';
import { TIERS } from '../../clients/types.js';
import { createSeed } from '../../src/demo/seed.js';

describe('Demo seed', () => {
  const data = createSeed();
  const countBy = <T>(items: readonly T[], key: (item: T) => string): Map<string, number> => {
    const counts = new Map<string, number>();
    for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
    return counts;
  };

  it('is deterministic: two calls are deep-equal', () => {
    expect(createSeed()).toEqual(data);
  });

  it('returns an independent copy on every call', () => {
    const other = createSeed();
    other.orders.push({ ...other.orders[0], id: 'o-extra' });
    other.notifications[0].read = !other.notifications[0].read;
    expect(createSeed()).toEqual(data);
    expect(data.orders).not.toContain(other.orders.at(-1));
  });

  it('has 60 users u1…u60 across all tiers, u1 on pro', () => {
    expect(data.users.map((user) => user.id)).toEqual(Array.from({ length: 60 }, (_, i) => `u${i + 1}`));
    expect(new Set(data.users.map((user) => user.tier))).toEqual(new Set(TIERS));
    expect(data.users[0].tier).toBe('pro');
  });

  it('has 320 products p1…p320 in eight categories with images and 1–3 tags', () => {
    expect(data.products.map((product) => product.id)).toEqual(Array.from({ length: 320 }, (_, i) => `p${i + 1}`));
    expect(new Set(data.products.map((product) => product.categoryId)).size).toBe(8);
    for (const product of data.products) {
      expect(product.imageUrl).toBe(`https://img.example.com/products/${product.id}.jpg`);
      expect(product.thumbnailUrl).toBe(`https://img.example.com/products/${product.id}_thumb.jpg`);
      expect(product.tags.length).toBeGreaterThanOrEqual(1);
      expect(product.tags.length).toBeLessThanOrEqual(3);
    }
    expect(data.products[0].name).toMatch(/ 1$/);
  });

  it('gives u1 at least 45 orders, u2 a couple, and some users none', () => {
    const perUser = countBy(data.orders, (order) => order.userId);
    expect(perUser.get('u1')).toBeGreaterThanOrEqual(45);
    expect(perUser.get('u2')).toBe(2);
    expect(data.users.some((user) => !perUser.has(user.id))).toBe(true);
    expect(Math.max(...perUser.values())).toBeLessThanOrEqual(45);
  });

  it('builds orders of 1–6 distinct lines whose total is the sum of quantity × unitPrice', () => {
    for (const order of data.orders) {
      expect(order.lines.length).toBeGreaterThanOrEqual(1);
      expect(order.lines.length).toBeLessThanOrEqual(6);
      expect(new Set(order.lines.map((line) => line.productId)).size).toBe(order.lines.length);
      const sum = order.lines.reduce((total, line) => total + line.quantity * line.unitPrice.amountMinor, 0);
      expect(order.total).toEqual({ amountMinor: sum, currency: 'USD' });
    }
    expect(new Set(data.orders.map((order) => order.status))).toEqual(new Set(ORDER_STATUSES));
  });

  it('keeps some historical unit prices that differ from today’s price', () => {
    const tierOf = new Map(data.users.map((user) => [user.id, user.tier]));
    const priceOf = new Map(data.prices.map((point) => [point.productId, point]));
    const differing = data.orders.filter((order) =>
      order.lines.some((line) => line.unitPrice.amountMinor !== priceOf.get(line.productId)?.currentPrice[tierOf.get(order.userId) ?? 'free'].amountMinor),
    );
    expect(differing.length).toBeGreaterThan(0);
  });

  it('has at most one stock row per product and a mix of zero, low, high and missing rows', () => {
    const rows = countBy(data.stock, (row) => row.productId);
    expect(Math.max(...rows.values())).toBe(1);
    const quantities = data.stock.map((row) => row.quantity);
    expect(quantities.filter((quantity) => quantity === 0).length).toBeGreaterThan(10);
    expect(quantities.filter((quantity) => quantity >= 1 && quantity <= 10).length).toBeGreaterThan(10);
    expect(quantities.filter((quantity) => quantity > 10).length).toBeGreaterThan(10);
    const missing = 320 - data.stock.length;
    expect(missing).toBeGreaterThan(15);
    expect(missing).toBeLessThan(50);
    expect(data.stock.find((row) => row.productId === 'p4')).toBeUndefined();
  });

  it('has 0–25 reviews per product by real users, some products with none', () => {
    const perProduct = countBy(data.reviews, (review) => review.productId);
    expect(Math.max(...perProduct.values())).toBeLessThanOrEqual(25);
    expect(perProduct.get('p1')).toBe(25);
    expect(perProduct.has('p3')).toBe(false);
    const userIds = new Set(data.users.map((user) => user.id));
    for (const review of data.reviews) {
      expect(userIds.has(review.userId)).toBe(true);
      expect(review.rating).toBeGreaterThanOrEqual(1);
      expect(review.rating).toBeLessThanOrEqual(5);
    }
  });

  it('prices every product at list price or a sale for free, cheaper for pro, cheaper still for enterprise', () => {
    expect(data.prices).toHaveLength(320);
    for (const { listPrice, currentPrice } of data.prices) {
      expect(listPrice.amountMinor).toBeGreaterThanOrEqual(500);
      expect(listPrice.amountMinor).toBeLessThanOrEqual(50_000);
      expect(currentPrice.free.amountMinor).toBeLessThanOrEqual(listPrice.amountMinor);
      expect(currentPrice.pro.amountMinor).toBeLessThan(currentPrice.free.amountMinor);
      expect(currentPrice.enterprise.amountMinor).toBeLessThan(currentPrice.pro.amountMinor);
      expect(Number.isInteger(currentPrice.enterprise.amountMinor)).toBe(true);
    }
    expect(data.prices.some((point) => point.currentPrice.free.amountMinor < point.listPrice.amountMinor)).toBe(true);
  });

  it('gives users 0–30 notifications, read and unread, with u1 having unread ones', () => {
    const perUser = countBy(data.notifications, (notification) => notification.userId);
    expect(Math.max(...perUser.values())).toBeLessThanOrEqual(30);
    expect(data.users.some((user) => !perUser.has(user.id))).toBe(true);
    const u1 = data.notifications.filter((notification) => notification.userId === 'u1');
    expect(u1.filter((notification) => !notification.read).length).toBeGreaterThan(0);
    expect(u1.filter((notification) => notification.read).length).toBeGreaterThan(0);
  });

  it('numbers orders, reviews and notifications o1…, r1…, n1…', () => {
    expect(data.orders[0].id).toBe('o1');
    expect(data.reviews[0].id).toBe('r1');
    expect(data.notifications[0].id).toBe('n1');
    expect(new Set(data.orders.map((order) => order.id)).size).toBe(data.orders.length);
  });
});
