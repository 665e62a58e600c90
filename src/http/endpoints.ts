import { AUDIENCES } from '../context.js';

/** The GraphQL endpoints' paths, `/{audience}/graphql`; the audience is the first group. */
export const GRAPHQL_PATH = new RegExp(`^/(${AUDIENCES.join('|')})/graphql/?$`);
