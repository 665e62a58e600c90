import type { Product } from '../../clients/products/types.js';
import type { StockRow } from '../../clients/inventory/types.js';
import type { Review } from '../../clients/reviews/types.js';
import type { User } from '../../clients/users/types.js';
import type { PricePoint } from './data.js';
import type { Random } from './random.js';
import { CATEGORIES, FEATURES, REVIEW_REMARKS, REVIEW_TITLES, WAREHOUSES } from './seed-words.js';
import { daysBeforeEpoch, numberChronologically, usd } from './seed-values.js';

const PRODUCT_COUNT = 320;

/** `p1`…`p320`, the categories taking turns so each holds the same share. */
export function seedProducts(rng: Random): Product[] {
  return Array.from({ length: PRODUCT_COUNT }, (_, i) => {
    const id = `p${i + 1}`;
    const category = CATEGORIES[i % CATEGORIES.length];
    const noun = rng.pick(category.nouns);
    return {
      id,
      name: `${noun} ${i + 1}`,
      description: `${noun} from our ${category.name} range. ${rng.pick(FEATURES)}.`,
      categoryId: `c${(i % CATEGORIES.length) + 1}`,
      imageUrl: `https://img.example.com/products/${id}.jpg`,
      thumbnailUrl: `https://img.example.com/products/${id}_thumb.jpg`,
      tags: rng.sample(category.tags, rng.int(1, 3)),
    };
  });
}

/**
 * List prices $5.99–$499.99. About a fifth are on sale for `free`; `pro` pays
 * 10% and `enterprise` 20% below the free price. `p1` is never on sale and
 * `p2` always is, so tests have a known case of each.
 */
export function seedPrices(rng: Random, products: readonly Product[]): PricePoint[] {
  return products.map((product, i) => {
    const list = rng.int(5, 499) * 100 + 99;
    const onSale = i === 1 || (i !== 0 && rng.chance(0.2));
    const free = onSale ? Math.round(list * 0.85) : list;
    return {
      productId: product.id,
      listPrice: usd(list),
      currentPrice: { free: usd(free), pro: usd(Math.round(free * 0.9)), enterprise: usd(Math.round(free * 0.8)) },
    };
  });
}

type StockKind = 'none' | 'zero' | 'low' | 'high';
/** Fixed kinds for the first products, so tests and docs can name them. */
const FIXED_STOCK: readonly StockKind[] = ['high', 'low', 'zero', 'none'];

/** At most one row per product: ~10% no row, ~15% zero, ~25% low (1–10), the rest high. */
export function seedStock(rng: Random, products: readonly Product[]): StockRow[] {
  const rows: StockRow[] = [];
  products.forEach((product, i) => {
    const roll = rng.next();
    const kind = FIXED_STOCK[i] ?? (roll < 0.1 ? 'none' : roll < 0.25 ? 'zero' : roll < 0.5 ? 'low' : 'high');
    if (kind === 'none') return;
    const quantity = kind === 'zero' ? 0 : kind === 'low' ? rng.int(1, 10) : rng.int(11, 500);
    rows.push({ productId: product.id, quantity, warehouse: rng.pick(WAREHOUSES) });
  });
  return rows;
}

/**
 * 0–25 reviews per product around a per-product quality, by real users.
 * `p1` has the maximum 25 (several pages), `p3` none.
 */
export function seedReviews(rng: Random, products: readonly Product[], users: readonly User[]): Review[] {
  const reviews: Review[] = [];
  products.forEach((product, i) => {
    const count = i === 0 ? 25 : i === 2 ? 0 : rng.chance(0.15) ? 0 : rng.int(1, 25);
    const quality = 2 + rng.next() * 3;
    for (let k = 0; k < count; k++) {
      const rating = Math.min(5, Math.max(1, Math.round(quality + (rng.next() - 0.5) * 2.5)));
      reviews.push({
        id: '',
        productId: product.id,
        userId: rng.pick(users).id,
        rating,
        title: rng.pick(REVIEW_TITLES[rating - 1]),
        body: `Used the ${product.name} for ${rng.int(1, 20)} weeks. ${rng.pick(REVIEW_REMARKS)}`,
        createdAt: daysBeforeEpoch(rng, 0, 540),
      });
    }
  });
  return numberChronologically(reviews, 'r');
}
