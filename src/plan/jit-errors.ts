import { GraphQLError } from 'graphql';

/**
 * graphql-jit reports errors as its own GraphQLError look-alike, whose
 * `extensions` may be undefined and which Apollo's error enrichment then
 * masks as INTERNAL_SERVER_ERROR without a path. Rebuilt as graphql-js
 * errors with the same message, path, locations and original error, they
 * take exactly the route graphql-js's own errors take through `formatError`.
 */
export function asGraphQLJsError(error: GraphQLError): GraphQLError {
  const original = error.originalError ?? undefined;
  const rebuilt = new GraphQLError(error.message, {
    ...(error.path ? { path: error.path } : {}),
    ...(original ? { originalError: original } : {}),
    ...(error.extensions ? { extensions: error.extensions } : {}),
  });
  if (error.locations && error.locations.length > 0) (rebuilt as { locations?: GraphQLError['locations'] }).locations = error.locations;
  return rebuilt;
}
