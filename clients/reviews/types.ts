export interface ReviewSummary {
  productId: string;
  /** 0–5 with one decimal; 0 when count is 0. */
  averageRating: number;
  count: number;
}

export interface Review {
  id: string;
  productId: string;
  userId: string;
  rating: number;
  title: string;
  body: string;
  createdAt: string;
}
