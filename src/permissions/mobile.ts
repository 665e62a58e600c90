import { allow, chain } from './shield.js';
import {
  fields,
  hasScope,
  isSelf,
  isUser,
  ownsDashboard,
  ownsNotification,
  ownsOrder,
  ownsRequestedOrder,
  type RuleTree,
} from './rules.js';

/**
 * The mobile app's rules. Catalog data (`product`) is open; everything about
 * the viewer needs a user token, and every object carrying an owner is checked
 * against the viewer again on its own fields (defence in depth: a future field
 * returning someone's order or notification is still refused).
 */
export const mobileRules: RuleTree = {
  Query: {
    dashboard: isUser,
    order: chain(isUser, ownsRequestedOrder),
    notifications: isUser,
    product: allow,
  },
  Mutation: {
    markNotificationRead: chain(isUser, hasScope('notifications:write')),
  },
  Dashboard: fields(['user', 'recentOrders', 'unreadCount'], ownsDashboard),
  User: fields(['id', 'name', 'avatarUrl'], isSelf),
  Order: fields(['id', 'status', 'createdAt', 'total', 'itemCount', 'lines'], ownsOrder),
  // Lines are reachable only through an order whose owner was checked; they carry no owner of their own.
  OrderLine: fields(['quantity', 'unitPrice', 'product'], isUser),
  Notification: fields(['id', 'kind', 'message', 'read', 'createdAt'], ownsNotification),
  NotificationConnection: fields(['edges', 'pageInfo'], isUser),
  NotificationEdge: fields(['cursor', 'node'], isUser),
  MarkNotificationReadPayload: { notification: isUser },
  Product: fields(
    ['id', 'name', 'thumbnailUrl', 'price', 'originalPrice', 'inStock', 'stockLevel', 'rating', 'reviewCount'],
    allow,
  ),
  // Amounts say nothing without the object they belong to, which has its own rule.
  Money: fields(['amount', 'currency'], allow),
  PageInfo: fields(['hasNextPage', 'endCursor'], allow),
};
