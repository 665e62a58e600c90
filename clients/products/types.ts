export interface Product {
  id: string;
  name: string;
  description: string;
  categoryId: string;
  imageUrl: string;
  thumbnailUrl: string;
  tags: string[];
}

export interface ProductQuery {
  categoryId?: string;
  q?: string;
}
