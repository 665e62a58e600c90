import type { Order, OrderStatus } from '../../clients/orders/types.js';
import type { Notification } from '../../clients/notifications/types.js';
import type { Product } from '../../clients/products/types.js';
import type { User } from '../../clients/users/types.js';
import type { PricePoint } from './data.js';
import type { Random } from './random.js';
import { NOTIFICATION_KINDS } from './seed-words.js';
import { groupBy } from './table.js';
import { ageInDays, daysBeforeEpoch, numberChronologically, usd } from './seed-values.js';

/** Fixed order counts: `u1` pages through several pages of 20, `u2` has a couple, `u3` none. */
const FIXED_ORDER_COUNTS: Readonly<Record<string, number>> = { u1: 45, u2: 2, u3: 0, u4: 30 };

/**
 * 0–45 orders per user, 1–6 distinct products per order, priced at the user's
 * tier. Orders older than ~4 months carry a different unit price than today's,
 * because unitPrice is the price when the order was placed.
 */
export function seedOrders(
  rng: Random,
  users: readonly User[],
  products: readonly Product[],
  prices: readonly PricePoint[],
): Order[] {
  const priceOf = new Map(prices.map((point) => [point.productId, point]));
  const orders: Order[] = [];
  for (const user of users) {
    const count = FIXED_ORDER_COUNTS[user.id] ?? rng.int(0, 12);
    for (let k = 0; k < count; k++) {
      // Squaring skews ages toward the recent past, as real order histories are.
      const createdAt = daysBeforeEpoch(rng, 0, 1 + 720 * rng.next() ** 2);
      const age = ageInDays(createdAt);
      const drift = age > 120 ? rng.pick([0.9, 1.05, 1.1]) : 1;
      const lines = rng.sample(products, rng.int(1, 6)).map((product) => {
        const today = priceOf.get(product.id)?.currentPrice[user.tier].amountMinor ?? 0;
        return { productId: product.id, quantity: rng.chance(0.7) ? 1 : rng.int(2, 4), unitPrice: usd(Math.round(today * drift)) };
      });
      const total = lines.reduce((sum, line) => sum + line.quantity * line.unitPrice.amountMinor, 0);
      orders.push({ id: '', userId: user.id, status: statusForAge(rng, age), createdAt, lines, total: usd(total) });
    }
  }
  return numberChronologically(orders, 'o');
}

function statusForAge(rng: Random, age: number): OrderStatus {
  if (age < 2) return rng.chance(0.6) ? 'pending' : 'paid';
  if (age < 7) return rng.chance(0.5) ? 'paid' : 'shipped';
  if (age < 20) return rng.chance(0.5) ? 'shipped' : 'delivered';
  return rng.chance(0.85) ? 'delivered' : 'cancelled';
}

/**
 * 0–30 notifications per user over the last 90 days; recent ones are more
 * often unread. `u1` has 24, of which exactly the 6 newest are unread.
 */
export function seedNotifications(
  rng: Random,
  users: readonly User[],
  products: readonly Product[],
  orders: readonly Order[],
): Notification[] {
  const ordersOf = groupBy(orders, (order) => order.userId);
  const notifications: Notification[] = [];
  for (const user of users) {
    const count = user.id === 'u1' ? 24 : rng.chance(0.15) ? 0 : rng.int(1, 30);
    const own: Notification[] = [];
    for (let k = 0; k < count; k++) {
      const createdAt = daysBeforeEpoch(rng, 0, 90);
      const read = ageInDays(createdAt) < 14 ? rng.chance(0.4) : rng.chance(0.9);
      own.push({ id: '', userId: user.id, ...describe(rng, ordersOf.get(user.id) ?? [], products), read, createdAt });
    }
    if (user.id === 'u1') {
      own.sort((a, b) => b.createdAt.localeCompare(a.createdAt)).forEach((n, i) => {
        n.read = i >= 6;
      });
    }
    notifications.push(...own);
  }
  return numberChronologically(notifications, 'n');
}

function describe(rng: Random, orders: readonly Order[], products: readonly Product[]): { kind: string; message: string } {
  const kind = rng.pick(NOTIFICATION_KINDS);
  const product = rng.pick(products);
  const order = orders.length > 0 ? rng.pick(orders) : undefined;
  switch (kind) {
    case 'order_shipped':
    case 'order_delivered':
      if (order === undefined) break;
      return { kind, message: `Your order ${order.id} has ${kind === 'order_shipped' ? 'shipped' : 'been delivered'}.` };
    case 'price_drop':
      return { kind, message: `${product.name} just dropped in price.` };
    case 'review_reply':
      return { kind, message: `Someone replied to your review of ${product.name}.` };
    case 'back_in_stock':
      break;
  }
  return { kind: 'back_in_stock', message: `${product.name} is back in stock.` };
}
