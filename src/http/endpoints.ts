import { AUDIENCES, type Audience } from '../context.js';

/** The GraphQL endpoints' paths, `/{audience}/graphql`; the audience is the first group. */
export const GRAPHQL_PATH = new RegExp(`^/(${AUDIENCES.join('|')})/graphql/?$`);

/** The audience whose GraphQL endpoint `pathname` is (served here or not); undefined for any other path. */
export function audienceOfPath(pathname: string): Audience | undefined {
  // The pattern is made of AUDIENCES, so its group is one of them.
  return GRAPHQL_PATH.exec(pathname)?.[1] as Audience | undefined;
}

/** True when `pathname` is the request target's path as sent (`req.url` up to its query or fragment), not one it resolved to. */
function isPathAsSent(target: string, pathname: string): boolean {
  if (!target.startsWith(pathname)) return false;
  const next = target[pathname.length];
  return next === undefined || next === '?' || next === '#';
}

/**
 * The request target (`req.url`) as a URL when its path is the path as sent; null for a target that resolves to
 * another path (`//x/metrics`, `/a/../metrics`, `http://x/metrics`: past a proxy's rule for that path) or that
 * does not parse at all (`//`, `//a:b`: a scheme-relative reference with an empty or a bad host), both answered 404.
 */
export function urlAsSent(target: string): URL | null {
  let url: URL;
  try {
    url = new URL(target, 'http://gateway.invalid');
  } catch {
    return null;
  }
  return isPathAsSent(target, url.pathname) ? url : null;
}
