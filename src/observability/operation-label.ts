/**
 * Operation names come from clients, so as a metric label they are unbounded:
 * a hostile client could mint a new time series per request. Names are kept
 * as they are up to a fixed number of distinct ones per audience; anything
 * after that, or not a GraphQL name, shares one label.
 */

export const ANONYMOUS_OPERATION = '__anonymous';
export const OTHER_OPERATION = '__other';
/** A request answered at the edge before its operation was read (src/observability/edge-refusals.ts). */
export const UNREAD_OPERATION = '__unread';
/** GraphQL Name (spec §2.1.9), at most 64 characters. */
const NAME = /^[_A-Za-z][_0-9A-Za-z]{0,63}$/;

/** A labeller that remembers the first `maxNames` distinct names per audience. */
export function createOperationLabeller(maxNames = 200): (audience: string, name: string | null | undefined) => string {
  const seen = new Map<string, Set<string>>();
  return (audience, name) => {
    if (name === null || name === undefined || name === '') return ANONYMOUS_OPERATION;
    if (!NAME.test(name)) return OTHER_OPERATION;
    let names = seen.get(audience);
    if (!names) seen.set(audience, (names = new Set()));
    if (names.has(name)) return name;
    if (names.size >= maxNames) return OTHER_OPERATION;
    names.add(name);
    return name;
  };
}
