import { TIERS, type Tier } from '../../clients/types.js';
import type { User } from '../../clients/users/types.js';
import type { DemoData } from './data.js';
import { createRandom, type Random } from './random.js';
import { seedNotifications, seedOrders } from './seed-activity.js';
import { seedPrices, seedProducts, seedReviews, seedStock } from './seed-catalog.js';
import { FIRST_NAMES, LAST_NAMES } from './seed-words.js';
import { daysBeforeEpoch } from './seed-values.js';

const SEED = 20260601;
const USER_COUNT = 60;
/** Known tiers for the first users, so tests can rely on them; the rest are random. */
const FIXED_TIERS: ReadonlyMap<string, Tier> = new Map<string, Tier>([
  ['u1', 'pro'],
  ['u2', 'free'],
  ['u3', 'enterprise'],
]);

/**
 * Returns the demo data set: 60 users, 320 products, their prices, stock,
 * reviews, orders and notifications. Deterministic (fixed PRNG seed and a
 * fixed epoch, never the clock) and a fresh copy on every call, because the
 * services mutate it (new orders, notifications marked read).
 */
export function createSeed(): DemoData {
  const rng = createRandom(SEED);
  const users = seedUsers(rng);
  const products = seedProducts(rng);
  const prices = seedPrices(rng, products);
  const stock = seedStock(rng, products);
  const reviews = seedReviews(rng, products, users);
  const orders = seedOrders(rng, users, products, prices);
  const notifications = seedNotifications(rng, users, products, orders);
  return { users, products, orders, stock, reviews, prices, notifications };
}

function seedUsers(rng: Random): User[] {
  return Array.from({ length: USER_COUNT }, (_, i) => {
    const id = `u${i + 1}`;
    const first = FIRST_NAMES[i % FIRST_NAMES.length];
    const last = rng.pick(LAST_NAMES);
    return {
      id,
      name: `${first} ${last}`,
      email: `${first}.${last}.${i + 1}@example.com`.toLowerCase(),
      avatarUrl: `https://img.example.com/avatars/${id}.jpg`,
      avatarThumbUrl: `https://img.example.com/avatars/${id}_thumb.jpg`,
      tier: FIXED_TIERS.get(id) ?? rng.pick(TIERS),
      createdAt: daysBeforeEpoch(rng, 730, 1500),
    };
  });
}
