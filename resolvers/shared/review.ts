import type { Review } from '../../clients/index.js';
import type { Context } from '../../src/context.js';
import { paginate, type Connection } from '../../src/pagination.js';

/** Arguments of every connection field (`first` has a schema default). */
export interface ConnectionArgs {
  first: number;
  after?: string | null | undefined;
}

/** A product's reviews, newest first; memoised per request so a prefetch and the field share one call. */
export function reviewsConnection(ctx: Context, productId: string, args: ConnectionArgs): Promise<Connection<Review>> {
  return ctx.once(`reviews:${productId}:${args.first}:${args.after ?? ''}`, () =>
    paginate({
      listKey: `reviews:${productId}`,
      first: args.first,
      after: args.after,
      fetch: (page) => ctx.clients.reviews.listReviews(productId, page),
    }),
  );
}
