import type { GraphQLError } from 'graphql';
import type { Context } from '../context.js';
import { forbidden, unauthenticated } from '../errors.js';

type Caller = Pick<Context, 'audience' | 'consumer'>;

/** UNAUTHENTICATED naming the credential the caller's audience expects. */
export function notSignedIn({ audience }: Pick<Context, 'audience'>): GraphQLError {
  return unauthenticated(
    audience === 'public'
      ? 'This API needs an `X-API-Key` header.'
      : 'Sign in: this field needs `Authorization: Bearer <token>`.',
  );
}

/**
 * The error for a field the caller may not see: UNAUTHENTICATED when the
 * request carried no credentials (signing in might help), FORBIDDEN otherwise
 * (it would not). CONTRACT.md §2 "Errors".
 */
export function denied(caller: Caller, reason = 'Not allowed.'): GraphQLError {
  return caller.consumer.kind === 'anonymous' ? notSignedIn(caller) : forbidden(reason);
}
