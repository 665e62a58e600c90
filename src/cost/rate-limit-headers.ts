import { secondsUntilFull, type BucketPolicy, type BudgetState } from './budget-store.js';

/** Where the headers go: Apollo's `HeaderMap`, a `Map`, or anything with `set`. */
export interface HeaderTarget {
  set(name: string, value: string): unknown;
}

/** The header values that depend on the policy only, worked out once per policy object. */
interface Fixed {
  policy: string;
  limit: string;
}
const FIXED = new WeakMap<BucketPolicy, Fixed>();

function fixedFor(policy: BucketPolicy): Fixed {
  let fixed = FIXED.get(policy);
  if (!fixed) {
    const window = Math.max(1, Math.ceil(policy.capacity / policy.restorePerSecond));
    let policies = `"burst";q=${policy.capacity};w=${window}`;
    if (policy.quota) policies += `, "daily";q=${policy.quota.limit};w=${policy.quota.windowSeconds}`;
    fixed = { policy: policies, limit: String(policy.capacity) };
    FIXED.set(policy, fixed);
  }
  return fixed;
}

/**
 * Sets the response headers describing a consumer's budget after this
 * request: `RateLimit-Policy` / `RateLimit` in the IETF draft's
 * structured-field syntax (draft-ietf-httpapi-ratelimit-headers:
 * `"name";q=…;w=…` and `"name";r=…;t=…`), with a second `"daily"` policy for
 * a request quota, and the widespread `X-RateLimit-Limit` / `-Remaining` /
 * `-Reset` (epoch seconds when the bucket is full again, as GitHub does; once
 * the daily quota is spent, 0 and the epoch second the quota resets).
 */
export function setRateLimitHeaders(target: HeaderTarget, policy: BucketPolicy, state: BudgetState, nowMs = Date.now()): void {
  const fixed = fixedFor(policy);
  const untilFull = secondsUntilFull(state.remaining, policy);
  const remaining = Math.max(0, state.remaining);
  let current = `"burst";r=${remaining};t=${untilFull}`;
  if (policy.quota) current += `, "daily";r=${Math.max(0, policy.quota.limit - state.quotaUsed)};t=${state.quotaResetSeconds}`;
  // A spent daily quota admits nothing until it resets, whatever the bucket holds: the X-RateLimit-* triplet has room
  // for one limit, so it says that one (it said the bucket's points and "full now" on the quota's own 429s).
  const quotaSpent = policy.quota !== undefined && state.quotaUsed >= policy.quota.limit;
  target.set('ratelimit-policy', fixed.policy);
  target.set('ratelimit', current);
  target.set('x-ratelimit-limit', fixed.limit);
  target.set('x-ratelimit-remaining', quotaSpent ? '0' : String(remaining));
  // The quota's reset is a whole second (00:00 UTC) counted from the current one; the bucket's is rounded up.
  const reset = quotaSpent ? Math.floor(nowMs / 1000) + state.quotaResetSeconds : Math.ceil(nowMs / 1000) + untilFull;
  target.set('x-ratelimit-reset', String(reset));
}
