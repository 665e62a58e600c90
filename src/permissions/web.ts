import { allow, chain } from 'graphql-shield';
import { insideFields, ownedFields } from './placement.js';
import { fields, hasScope, isSelf, isUser, ownsOrder, type RuleTree } from './rules.js';

const PRODUCT_FIELDS = [
  'id', 'name', 'description', 'imageUrl', 'thumbnailUrl', 'categoryId', 'tags',
  'inStock', 'stockLevel', 'rating', 'reviewCount', 'price', 'originalPrice', 'reviews',
] as const;

/**
 * The web shop's rules. The catalog (products, reviews, their public author
 * card) is open to anonymous visitors; the viewer's profile and orders need a
 * user token and are checked against their owner wherever they enter the
 * response (`me`, `order(id:)`, each order edge, a placed order); checkout
 * needs `orders:write`.
 */
export const webRules: RuleTree = {
  Query: {
    me: isUser,
    product: allow,
    products: allow,
    // The order is checked against the viewer once loaded (Order is owned): another user's is FORBIDDEN at ["order"].
    order: isUser,
  },
  Mutation: {
    placeOrder: chain(isUser, hasScope('orders:write')),
  },
  Viewer: ownedFields(['id', 'name', 'email', 'avatarUrl', 'tier', 'createdAt', 'orders'], isSelf),
  Order: ownedFields(['id', 'status', 'createdAt', 'total', 'itemCount', 'lines'], ownsOrder),
  // Lines are reachable only through an order whose owner was checked; they carry no owner of their own.
  OrderLine: insideFields(['quantity', 'unitPrice', 'product'], ownsOrder),
  OrderConnection: insideFields(['edges', 'pageInfo'], isSelf),
  OrderEdge: insideFields(['cursor', 'node'], isSelf),
  PlaceOrderPayload: insideFields(['order'], isUser),
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
