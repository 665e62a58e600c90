/** The contract's required operations, verbatim (CONTRACT.md §2). */

export const MOBILE_DASHBOARD = /* GraphQL */ `
  query MobileDashboard {
    dashboard {
      user { id name avatarUrl }
      recentOrders { id status createdAt total { amount currency } itemCount }
      unreadCount
    }
  }
`;

export const PRODUCT_PAGE = /* GraphQL */ `
  query ProductPage($id: ID!) {
    product(id: $id) {
      id name description imageUrl
      inStock stockLevel
      rating reviewCount
      price { amount currency }
      originalPrice { amount currency }
      reviews(first: 3) { edges { cursor node { id rating title author { id name } } } pageInfo { hasNextPage endCursor } }
    }
  }
`;

export const ORDER_HISTORY = /* GraphQL */ `
  query OrderHistory($first: Int!, $after: String) {
    me {
      id name
      orders(first: $first, after: $after) {
        edges { cursor node {
          id status createdAt total { amount currency }
          lines { quantity unitPrice { amount currency } product { id name thumbnailUrl inStock } }
        } }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
`;

export const PLACE_ORDER = /* GraphQL */ `
  mutation PlaceOrder($input: PlaceOrderInput!) {
    placeOrder(input: $input) { order { id status total { amount currency } } }
  }
`;

export const CATALOG = /* GraphQL */ `
  query Catalog($first: Int!, $after: String) {
    products(first: $first, after: $after) {
      edges { cursor node { id name description price { amount currency } inStock rating } }
      pageInfo { hasNextPage endCursor }
    }
  }
`;
