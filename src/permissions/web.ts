import { allow, chain } from './shield.js';
import { fields, hasScope, isSelf, isUser, ownsOrder, ownsRequestedOrder, type RuleTree } from './rules.js';

const PRODUCT_FIELDS = [
  'id', 'name', 'description', 'imageUrl', 'thumbnailUrl', 'categoryId', 'tags',
  'inStock', 'stockLevel', 'rating', 'reviewCount', 'price', 'originalPrice', 'reviews',
] as const;

/**
 * The web shop's rules. The catalog (products, reviews, their public author
 * card) is open to anonymous visitors; the viewer's profile and orders need a
 * user token and are checked against their owner; checkout needs `orders:write`.
 */
export const webRules: RuleTree = {
  Query: {
    me: isUser,
    product: allow,
    products: allow,
    order: chain(isUser, ownsRequestedOrder),
  },
  Mutation: {
    placeOrder: chain(isUser, hasScope('orders:write')),
  },
  Viewer: fields(['id', 'name', 'email', 'avatarUrl', 'tier', 'createdAt', 'orders'], isSelf),
  Order: fields(['id', 'status', 'createdAt', 'total', 'itemCount', 'lines'], ownsOrder),
  // Lines are reachable only through an order whose owner was checked; they carry no owner of their own.
  OrderLine: fields(['quantity', 'unitPrice', 'product'], isUser),
  OrderConnection: fields(['edges', 'pageInfo'], isUser),
  OrderEdge: fields(['cursor', 'node'], isUser),
  PlaceOrderPayload: { order: isUser },
  Product: fields(PRODUCT_FIELDS, allow),
  ProductConnection: fields(['edges', 'pageInfo'], allow),
  ProductEdge: fields(['cursor', 'node'], allow),
  Review: fields(['id', 'rating', 'title', 'body', 'createdAt', 'author'], allow),
  ReviewConnection: fields(['edges', 'pageInfo'], allow),
  ReviewEdge: fields(['cursor', 'node'], allow),
  // Only what is public about a reviewer (no e-mail, no tier): open like the review itself.
  ReviewAuthor: fields(['id', 'name', 'avatarUrl'], allow),
  // Amounts say nothing without the object they belong to, which has its own rule.
  Money: fields(['amount', 'currency'], allow),
  PageInfo: fields(['hasNextPage', 'endCursor'], allow),
};
