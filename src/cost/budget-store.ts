/**
 * A consumer's cost budget: a token bucket of `capacity` points refilled at
 * `restorePerSecond`, plus an optional request quota per fixed window (the
 * public API's daily quota). One interface, two stores (memory, Redis), one
 * shared contract test suite.
 */
export interface BucketPolicy {
  capacity: number;
  restorePerSecond: number;
  /** Requests allowed per window (e.g. per UTC day), or undefined for none. */
  quota?: { limit: number; windowSeconds: number } | undefined;
}

export interface BudgetState {
  /** Points left after the decision (whole points, rounded down). */
  remaining: number;
  /** Requests counted in the current quota window (0 without a quota). */
  quotaUsed: number;
  /** Seconds until the quota window resets (0 without a quota). */
  quotaResetSeconds: number;
}

export interface BudgetDecision extends BudgetState {
  allowed: boolean;
  /** Why it was refused: not enough points, or the quota is spent. */
  reason?: 'budget' | 'quota';
  /** Taken from a bucket in process memory because the shared store could not answer (see FallbackBudgetStore). */
  local?: boolean;
}

export interface BudgetStore {
  /** Atomically refills, then takes `cost` points and one quota request if both fit; otherwise takes nothing. */
  take(key: string, cost: number, policy: BucketPolicy): Promise<BudgetDecision>;
  /**
   * Gives back points reserved but not spent (never above capacity); resolves the state after. `reservation`,
   * the decision that took them, lets a store with a fallback give them back to the bucket they came from.
   */
  refund(key: string, points: number, policy: BucketPolicy, reservation?: BudgetDecision): Promise<BudgetState>;
  /** The state without changing it. */
  peek(key: string, policy: BucketPolicy): Promise<BudgetState>;
  /** For the verbose status, where budgets can be shared: whether decisions go to Redis now or are local. */
  sharing?(): 'shared' | 'local';
  close(): Promise<void>;
}

/** Seconds until `cost` points are available, given what is left and the refill rate. */
export function secondsUntilAvailable(cost: number, remaining: number, restorePerSecond: number): number {
  if (remaining >= cost) return 0;
  return Math.max(1, Math.ceil((cost - remaining) / restorePerSecond));
}

/** Seconds until the bucket is full again. */
export function secondsUntilFull(remaining: number, policy: BucketPolicy): number {
  return Math.max(0, Math.ceil((policy.capacity - remaining) / policy.restorePerSecond));
}
