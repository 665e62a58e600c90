/** At most one row per product; a product without a row has quantity 0. */
export interface StockRow {
  productId: string;
  quantity: number;
  warehouse: string;
}
