import { AUDIENCES, type Audience } from '../context.js';

/** The GraphQL endpoints' paths, `/{audience}/graphql`; the audience is the first group. */
export const GRAPHQL_PATH = new RegExp(`^/(${AUDIENCES.join('|')})/graphql/?$`);

/** The audience whose GraphQL endpoint `pathname` is (served here or not); undefined for any other path. */
export function audienceOfPath(pathname: string): Audience | undefined {
  // The pattern is made of AUDIENCES, so its group is one of them.
  return GRAPHQL_PATH.exec(pathname)?.[1] as Audience | undefined;
}
