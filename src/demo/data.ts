import type { Money, Tier } from '../../clients/types.js';
import type { User } from '../../clients/users/types.js';
import type { Order } from '../../clients/orders/types.js';
import type { Product } from '../../clients/products/types.js';
import type { StockRow } from '../../clients/inventory/types.js';
import type { Review } from '../../clients/reviews/types.js';
import type { Notification } from '../../clients/notifications/types.js';

/** What the pricing service knows about one product: the list price and today's price per tier. */
export interface PricePoint {
  productId: string;
  listPrice: Money;
  currentPrice: Record<Tier, Money>;
}

/**
 * Everything the demo services serve, as plain arrays in their stored order.
 * The services index these at start and mutate them in place (new orders are
 * appended, notifications flip to read), so a test can inspect the effect.
 */
export interface DemoData {
  users: User[];
  products: Product[];
  orders: Order[];
  stock: StockRow[];
  reviews: Review[];
  prices: PricePoint[];
  notifications: Notification[];
}
