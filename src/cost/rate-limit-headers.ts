import { secondsUntilFull, type BucketPolicy, type BudgetState } from './budget-store.js';

/**
 * Response headers describing a consumer's budget after this request:
 * `RateLimit-Policy` / `RateLimit` in the IETF draft's structured-field
 * syntax (draft-ietf-httpapi-ratelimit-headers: `"name";q=…;w=…` and
 * `"name";r=…;t=…`), with a second `"daily"` policy for a request quota, and
 * the widespread `X-RateLimit-Limit` / `-Remaining` / `-Reset` (epoch seconds
 * when the bucket is full again, as GitHub does).
 */
export function rateLimitHeaders(policy: BucketPolicy, state: BudgetState, nowMs = Date.now()): Record<string, string> {
  const window = Math.max(1, Math.ceil(policy.capacity / policy.restorePerSecond));
  const untilFull = secondsUntilFull(state.remaining, policy);
  const policies = [`"burst";q=${policy.capacity};w=${window}`];
  const current = [`"burst";r=${Math.max(0, state.remaining)};t=${untilFull}`];
  if (policy.quota) {
    policies.push(`"daily";q=${policy.quota.limit};w=${policy.quota.windowSeconds}`);
    current.push(`"daily";r=${Math.max(0, policy.quota.limit - state.quotaUsed)};t=${state.quotaResetSeconds}`);
  }
  return {
    'ratelimit-policy': policies.join(', '),
    ratelimit: current.join(', '),
    'x-ratelimit-limit': String(policy.capacity),
    'x-ratelimit-remaining': String(Math.max(0, state.remaining)),
    'x-ratelimit-reset': String(Math.ceil(nowMs / 1000) + untilFull),
  };
}
