/**
 * What the contract operations should answer, computed straight from the data
 * an upstream holds (demo seed or fixture), independently of the gateway's code.
 */
import type { Money, Notification, Order, Product, Review, StockRow, Tier, User } from '../../clients/index.js';
import type { DemoData } from '../../src/demo/index.js';
import type { FixtureData } from './fixture-upstream.js';

export interface UpstreamView {
  users: User[];
  products: Product[];
  orders: Order[];
  stock: StockRow[];
  reviews: Review[];
  notifications: Notification[];
  price(productId: string, tier: Tier): { current: Money; list: Money } | undefined;
}

export function viewOfDemo(data: DemoData): UpstreamView {
  return {
    ...data,
    price: (productId, tier) => {
      const p = data.prices.find((x) => x.productId === productId);
      return p && { current: p.currentPrice[tier], list: p.listPrice };
    },
  };
}

export function viewOfFixture(data: FixtureData): UpstreamView {
  return {
    ...data,
    price: (productId, tier) => {
      const p = data.prices.find((x) => x.productId === productId);
      return p && { current: p.current[tier], list: p.listPrice };
    },
  };
}

/** Money as the contract shows it, computed with plain arithmetic (two decimals). */
export const money = (m: Money) => ({ amount: (m.amountMinor / 100).toFixed(2), currency: m.currency });

const stockOf = (view: UpstreamView, productId: string) =>
  view.stock.find((s) => s.productId === productId)?.quantity ?? 0;

const level = (q: number) => (q > 10 ? 'HIGH' : q >= 1 ? 'LOW' : 'OUT_OF_STOCK');

export function ordersOf(view: UpstreamView, userId: string): Order[] {
  return view.orders.filter((o) => o.userId === userId).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

function reviewStats(view: UpstreamView, productId: string) {
  const ratings = view.reviews.filter((r) => r.productId === productId).map((r) => r.rating);
  const count = ratings.length;
  const average = count === 0 ? null : Math.round((ratings.reduce((a, b) => a + b, 0) / count) * 10) / 10;
  return { count, average };
}

export function expectedDashboard(view: UpstreamView, userId: string) {
  const user = view.users.find((u) => u.id === userId)!;
  return {
    user: { id: user.id, name: user.name, avatarUrl: user.avatarThumbUrl },
    recentOrders: ordersOf(view, userId)
      .slice(0, 5)
      .map((o) => ({
        id: o.id,
        status: o.status.toUpperCase(),
        createdAt: o.createdAt,
        total: money(o.total),
        itemCount: o.lines.reduce((n, l) => n + l.quantity, 0),
      })),
    unreadCount: view.notifications.filter((n) => n.userId === userId && !n.read).length,
  };
}

/** ProductPage without the reviews connection (checked separately). */
export function expectedProductPage(view: UpstreamView, productId: string, tier: Tier) {
  const p = view.products.find((x) => x.id === productId)!;
  const q = stockOf(view, productId);
  const stats = reviewStats(view, productId);
  const price = view.price(productId, tier);
  return {
    id: p.id,
    name: p.name,
    description: p.description,
    imageUrl: p.imageUrl,
    inStock: q > 0,
    stockLevel: level(q),
    rating: stats.average,
    reviewCount: stats.count,
    price: price ? money(price.current) : null,
    originalPrice: price ? money(price.list) : null,
  };
}

export function expectedOrderNode(view: UpstreamView, order: Order) {
  return {
    id: order.id,
    status: order.status.toUpperCase(),
    createdAt: order.createdAt,
    total: money(order.total),
    lines: order.lines.map((line) => {
      const product = view.products.find((p) => p.id === line.productId);
      return {
        quantity: line.quantity,
        unitPrice: money(line.unitPrice),
        product: product
          ? { id: product.id, name: product.name, thumbnailUrl: product.thumbnailUrl, inStock: stockOf(view, product.id) > 0 }
          : null,
      };
    }),
  };
}

export function expectedCatalogNode(view: UpstreamView, product: Product, tier: Tier) {
  const price = view.price(product.id, tier);
  return {
    id: product.id,
    name: product.name,
    description: product.description,
    price: price ? money(price.current) : null,
    inStock: stockOf(view, product.id) > 0,
    rating: reviewStats(view, product.id).average,
  };
}

/**
 * Products in the contract's order, "by id": the demo services compare ids
 * numerically where they end in numbers (p2 before p10), the fixture as plain
 * strings; either honours the contract, and the gateway keeps whichever it gets.
 */
export function productsById(view: UpstreamView, order: 'natural' | 'lexicographic' = 'natural'): Product[] {
  const key = order === 'natural' ? (id: string) => id.replace(/\d+$/, (n) => n.padStart(8, '0')) : (id: string) => id;
  return [...view.products].sort((a, b) => (key(a.id) < key(b.id) ? -1 : key(a.id) > key(b.id) ? 1 : 0));
}
