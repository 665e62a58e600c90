import { AUDIENCES, type Audience } from '../context.js';

/** The GraphQL endpoints' paths, `/{audience}/graphql`; the audience is the first group. */
export const GRAPHQL_PATH = new RegExp(`^/(${AUDIENCES.join('|')})/graphql/?$`);

/** The audience whose GraphQL endpoint `pathname` is (served here or not); undefined for any other path. */
export function audienceOfPath(pathname: string): Audience | undefined {
  // The pattern is made of AUDIENCES, so its group is one of them.
  return GRAPHQL_PATH.exec(pathname)?.[1] as Audience | undefined;
}

/** True when `pathname` is the request target's path as sent (`req.url` up to its query or fragment), not one it resolved to. */
export function isPathAsSent(target: string, pathname: string): boolean {
  if (!target.startsWith(pathname)) return false;
  const next = target[pathname.length];
  return next === undefined || next === '?' || next === '#';
}
