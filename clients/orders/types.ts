import type { Money } from '../types.js';

export type OrderStatus = 'pending' | 'paid' | 'shipped' | 'delivered' | 'cancelled';
export const ORDER_STATUSES: readonly OrderStatus[] = ['pending', 'paid', 'shipped', 'delivered', 'cancelled'];

export interface OrderLine {
  productId: string;
  quantity: number;
  /** The price when the order was placed, not today's. */
  unitPrice: Money;
}

export interface Order {
  id: string;
  userId: string;
  status: OrderStatus;
  createdAt: string;
  lines: OrderLine[];
  total: Money;
}

export interface NewOrder {
  userId: string;
  lines: { productId: string; quantity: number }[];
}
