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

/** The longest operation name a log line or a span carries whole. */
export const MAX_RECORDED_OPERATION_NAME = 128;

/**
 * An operation name as log lines and spans carry it: whole up to
 * `MAX_RECORDED_OPERATION_NAME` characters, else cut there and ended with `…`.
 * A name is one token, so the token limit leaves it as long as the body
 * allows: written whole, every request of 100 KB wrote 100 KB of log line (and
 * of span name), however small its answer.
 */
export function recordedOperationName(name: string | null | undefined): string | null {
  if (name === null || name === undefined) return null;
  return name.length <= MAX_RECORDED_OPERATION_NAME ? name : `${name.slice(0, MAX_RECORDED_OPERATION_NAME)}…`;
}
