import { allow, chain } from 'graphql-shield';
import { insideFields, ownedFields } from './placement.js';
import { fields, hasScope, isSelf, isUser, ownsDashboard, ownsNotification, ownsOrder, type RuleTree } from './rules.js';

/**
 * The mobile app's rules. Catalog data (`product`) is open; everything about
 * the viewer needs a user token, and every object carrying an owner is checked
 * against the viewer wherever it enters the response (the dashboard, its user
 * and orders, `order(id:)`, each notification edge, a notification marked
 * read): a future field returning someone's order or notification is still
 * refused, since the check follows the type, not the field.
 */
export const mobileRules: RuleTree = {
  Query: {
    dashboard: isUser,
    // The order is checked against the viewer once loaded (Order is owned): another user's is FORBIDDEN at ["order"].
    order: isUser,
    notifications: isUser,
    product: allow,
  },
  Mutation: {
    markNotificationRead: chain(isUser, hasScope('notifications:write')),
  },
  Dashboard: ownedFields(['user', 'recentOrders', 'unreadCount'], ownsDashboard),
  User: ownedFields(['id', 'name', 'avatarUrl'], isSelf),
  Order: ownedFields(['id', 'status', 'createdAt', 'total', 'itemCount', 'lines'], ownsOrder),
  // Lines are reachable only through an order whose owner was checked; they carry no owner of their own.
  OrderLine: insideFields(['quantity', 'unitPrice', 'product'], ownsOrder),
  Notification: ownedFields(['id', 'kind', 'message', 'read', 'createdAt'], ownsNotification),
  NotificationConnection: insideFields(['edges', 'pageInfo'], isUser),
  NotificationEdge: insideFields(['cursor', 'node'], isUser),
  MarkNotificationReadPayload: insideFields(['notification'], isUser),
  Product: fields(
    ['id', 'name', 'thumbnailUrl', 'price', 'originalPrice', 'inStock', 'stockLevel', 'rating', 'reviewCount'],
    allow,
  ),
  // Amounts say nothing without the object they belong to, which has its own rule.
  Money: fields(['amount', 'currency'], allow),
  PageInfo: fields(['hasNextPage', 'endCursor'], allow),
};
