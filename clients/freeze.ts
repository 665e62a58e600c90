/**
 * Deep freezing for upstream values that are shared: a response kept in the
 * memory cache or handed to every caller of a coalesced call is one object
 * graph for many requests, so a caller that wrote to it would change what
 * other requests see. Frozen, such a write throws (ES modules are strict)
 * instead of leaking.
 */

/** Freezes `value` and everything reachable through its own properties; returns it. */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  Object.freeze(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) deepFreeze(value[i]);
  } else {
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}
