/**
 * Hand-written data for the fixture upstream, deliberately unlike the demo
 * seed (other ids, names, prices), so a test passing against both proves the
 * gateway depends on the contract, not on one data set.
 */
import type { Money, Notification, Order, OrderStatus, Product, Review, StockRow, Tier, User } from '../../clients/index.js';

/** A product's list price and its current price per tier. */
export interface FixturePrice {
  productId: string;
  listPrice: Money;
  current: Record<Tier, Money>;
}

export interface FixtureData {
  users: User[];
  products: Product[];
  orders: Order[];
  stock: StockRow[];
  reviews: Review[];
  prices: FixturePrice[];
  notifications: Notification[];
}

const usd = (amountMinor: number): Money => ({ amountMinor, currency: 'USD' });
/** Day `n` after 2024-01-01, at a fixed hour: stable, sortable timestamps. */
const day = (n: number): string => new Date(Date.UTC(2024, 0, 1, 9) + n * 86_400_000).toISOString();

function user(id: string, name: string, tier: Tier): User {
  return {
    id,
    name,
    email: `${id}@fixture.test`,
    avatarUrl: `https://img.fixture.test/${id}.png`,
    avatarThumbUrl: `https://img.fixture.test/${id}-thumb.png`,
    tier,
    createdAt: day(0),
  };
}

function product(id: string, name: string, categoryId: string): Product {
  return {
    id,
    name,
    description: `${name}, from the fixture catalogue.`,
    categoryId,
    imageUrl: `https://img.fixture.test/${id}.jpg`,
    thumbnailUrl: `https://img.fixture.test/${id}-thumb.jpg`,
    tags: ['fixture', categoryId],
  };
}

/** free pays list price, pro 10 % less, enterprise 20 % less. */
function price(productId: string, listMinor: number): FixturePrice {
  const off = (pct: number) => usd(Math.round((listMinor * (100 - pct)) / 100));
  return { productId, listPrice: usd(listMinor), current: { free: off(0), pro: off(10), enterprise: off(20) } };
}

/** An order priced at its user's tier; `unitPrice` is frozen at creation. */
export function makeOrder(
  data: Pick<FixtureData, 'users' | 'prices'>,
  fields: Pick<Order, 'id' | 'userId' | 'status' | 'createdAt'>,
  lines: { productId: string; quantity: number }[],
): Order {
  const tier = data.users.find((u) => u.id === fields.userId)?.tier ?? 'free';
  const priced = lines.map((l) => ({
    ...l,
    unitPrice: data.prices.find((p) => p.productId === l.productId)?.current[tier] ?? usd(0),
  }));
  const total = priced.reduce((sum, l) => sum + l.unitPrice.amountMinor * l.quantity, 0);
  return { ...fields, lines: priced, total: usd(total) };
}

const NAMES = ['Anvil', 'Bellows', 'Chisel', 'Dowel', 'Easel', 'File', 'Gimlet', 'Hasp', 'Inkwell', 'Jigsaw', 'Kettle', 'Ladle'];

/**
 * Users fx-alice (pro), fx-bob (free), fx-carol (enterprise, nothing else);
 * products fx-p1…fx-p12 (odd: fx-cat-tools, even: fx-cat-home); orders
 * fx-o1…fx-o4 (alice, several lines) and fx-o5 (bob); stock: fx-p1 0,
 * fx-p2 3, fx-p3 50, fx-p4 10, fx-p5 11, …, no row for fx-p12; reviews
 * fx-r1…fx-r5 on fx-p1, fx-r6 on fx-p2; notifications fx-n1…fx-n3 (alice,
 * two unread), fx-n4 (bob, unread). A fresh copy on every call.
 */
export function defaultFixtureData(): FixtureData {
  const users = [user('fx-alice', 'Alice Fixture', 'pro'), user('fx-bob', 'Bob Fixture', 'free'), user('fx-carol', 'Carol Fixture', 'enterprise')];
  const products = NAMES.map((name, i) => product(`fx-p${i + 1}`, `Fx ${name}`, i % 2 === 0 ? 'fx-cat-tools' : 'fx-cat-home'));
  const prices = products.map((p, i) => price(p.id, 1250 + i * 375));
  const quantities = [0, 3, 50, 10, 11, 1, 200, 7, 42, 12, 5];
  const stock = quantities.map((quantity, i) => ({ productId: `fx-p${i + 1}`, quantity, warehouse: i % 2 ? 'fx-north' : 'fx-south' }));
  const data = { users, prices };
  const orderRows: [string, string, OrderStatus, number, [string, number][]][] = [
    ['fx-o1', 'fx-alice', 'delivered', 10, [['fx-p1', 2], ['fx-p3', 1]]],
    ['fx-o2', 'fx-alice', 'shipped', 20, [['fx-p2', 1], ['fx-p4', 3], ['fx-p12', 1]]],
    ['fx-o3', 'fx-alice', 'paid', 30, [['fx-p5', 4]]],
    ['fx-o4', 'fx-alice', 'pending', 40, [['fx-p6', 1], ['fx-p7', 2]]],
    ['fx-o5', 'fx-bob', 'cancelled', 15, [['fx-p1', 1]]],
  ];
  const orders = orderRows.map(([id, userId, status, d, lines]) =>
    makeOrder(data, { id, userId, status, createdAt: day(d) }, lines.map(([productId, quantity]) => ({ productId, quantity }))),
  );
  const ratings = [5, 4, 2, 5, 3];
  const reviews: Review[] = ratings.map((rating, i) => ({
    id: `fx-r${i + 1}`,
    productId: 'fx-p1',
    userId: i % 2 ? 'fx-bob' : 'fx-alice',
    rating,
    title: `Fixture review ${i + 1}`,
    body: `Rated ${rating} of 5.`,
    createdAt: day(50 + i),
  }));
  reviews.push({ id: 'fx-r6', productId: 'fx-p2', userId: 'fx-bob', rating: 4, title: 'Solid', body: 'Does the job.', createdAt: day(60) });
  const notifications: Notification[] = [
    { id: 'fx-n1', userId: 'fx-alice', kind: 'order.shipped', message: 'fx-o2 shipped', read: false, createdAt: day(21) },
    { id: 'fx-n2', userId: 'fx-alice', kind: 'promo', message: 'Fixture sale', read: false, createdAt: day(25) },
    { id: 'fx-n3', userId: 'fx-alice', kind: 'order.delivered', message: 'fx-o1 delivered', read: true, createdAt: day(12) },
    { id: 'fx-n4', userId: 'fx-bob', kind: 'order.cancelled', message: 'fx-o5 cancelled', read: false, createdAt: day(16) },
  ];
  return { users, products, orders, stock, reviews, prices, notifications };
}

/**
 * The default data plus one user (`userId`, created as `free` when new) with
 * `orders` orders (fx-g-o1 newest) of `linesPerOrder` lines each, cycling over
 * `distinctProducts` generated products fx-g-p1… (each with stock and prices),
 * so e.g. 100 orders × 5 lines reference 250 distinct products.
 */
export function fixtureDataWithOrders(options: { userId: string; orders: number; linesPerOrder: number; distinctProducts: number }): FixtureData {
  const data = defaultFixtureData();
  if (!data.users.some((u) => u.id === options.userId)) data.users.push(user(options.userId, `Generated ${options.userId}`, 'free'));
  for (let i = 1; i <= options.distinctProducts; i += 1) {
    data.products.push(product(`fx-g-p${i}`, `Fx Generated ${i}`, 'fx-cat-generated'));
    data.prices.push(price(`fx-g-p${i}`, 100 * i));
    data.stock.push({ productId: `fx-g-p${i}`, quantity: i % 15, warehouse: 'fx-generated' });
  }
  for (let i = 0; i < options.orders; i += 1) {
    const lines = Array.from({ length: options.linesPerOrder }, (_, j) => ({
      productId: `fx-g-p${((i * options.linesPerOrder + j) % options.distinctProducts) + 1}`,
      quantity: 1 + (j % 3),
    }));
    const createdAt = new Date(Date.UTC(2025, 0, 1) - i * 3_600_000).toISOString();
    data.orders.push(makeOrder(data, { id: `fx-g-o${i + 1}`, userId: options.userId, status: 'paid', createdAt }, lines));
  }
  return data;
}

/**
 * `data` with every id given a suffix that only survives URL-encoded (`/`,
 * `?`, `#`, `%`, `+`, `&`, `=`, `;`, non-ASCII; a space too, except in user
 * ids, which a token's `sub` cannot hold), names in other scripts, and
 * timestamps without milliseconds: all within "ids are strings" and ISO-8601.
 */
export function withAwkwardIds(data: FixtureData): FixtureData {
  const user = (id: string) => `${id}/ü+%?#&=;😀`;
  const other = (id: string) => `${id}/ ü+%?#&=;😀`;
  const time = (iso: string) => iso.replace(/\.\d{3}Z$/, 'Z');
  return {
    users: data.users.map((u) => ({ ...u, id: user(u.id), name: `${u.name} Ünïcødé 名前 😀`, createdAt: time(u.createdAt) })),
    products: data.products.map((p) => ({ ...p, id: other(p.id), categoryId: other(p.categoryId), name: `${p.name} — 製品 🔧` })),
    orders: data.orders.map((o) => ({
      ...o,
      id: other(o.id),
      userId: user(o.userId),
      createdAt: time(o.createdAt),
      lines: o.lines.map((l) => ({ ...l, productId: other(l.productId) })),
    })),
    stock: data.stock.map((s) => ({ ...s, productId: other(s.productId) })),
    reviews: data.reviews.map((r) => ({ ...r, id: other(r.id), productId: other(r.productId), userId: user(r.userId), createdAt: time(r.createdAt) })),
    prices: data.prices.map((p) => ({ ...p, productId: other(p.productId) })),
    notifications: data.notifications.map((n) => ({ ...n, id: other(n.id), userId: user(n.userId), createdAt: time(n.createdAt) })),
  };
}
