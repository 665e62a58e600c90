import type { BucketPolicy, BudgetDecision, BudgetState, BudgetStore } from './budget-store.js';

interface Bucket {
  tokens: number;
  /** When its tokens were last refilled, on the store's monotonic clock. */
  at: number;
  quotaWindow: number;
  quotaUsed: number;
  /** Its own policy's, as of its last use: a sweep judges each bucket by these, never by the caller's. */
  capacity: number;
  restorePerSecond: number;
  /** Its quota's window length in seconds (0: no quota), so a sweep knows when `quotaUsed` has lapsed. */
  quotaWindowSeconds: number;
}

/**
 * Above this many buckets, full ones are swept: a full bucket whose quota counts nothing in the current window
 * (none used, or used in a window that is over) is the same as no bucket.
 */
const SWEEP_ABOVE = 50_000;

/**
 * In-process budgets: exact within one process (decisions are synchronous, so
 * concurrent requests cannot over-admit), lost on restart, not shared.
 */
export class MemoryBudgetStore implements BudgetStore {
  private readonly buckets = new Map<string, Bucket>();
  /** The size at which the next sweep runs: doubled when one frees too little, so sweeps stay rare under many keys. */
  private sweepAt = SWEEP_ABOVE;

  /**
   * `now`, the wall clock, places requests in their quota's window (UTC days, as Redis's `TIME` does). `elapsed`, a
   * clock that never steps, refills the buckets: on the wall clock a step back (an NTP correction, a VM resumed)
   * stopped every bucket from refilling until the clock had caught up (an hour for an hour), so consumers held at 429
   * stayed there, and a step forward refilled them all at once. Tests that move one clock move both.
   */
  constructor(
    private readonly now: () => number = Date.now,
    private readonly elapsed: () => number = now === Date.now ? () => performance.now() : now,
  ) {}

  /** Buckets held now. */
  get size(): number {
    return this.buckets.size;
  }

  /** `key`'s bucket, refilled up to now and in `wall`'s quota window. */
  private load(key: string, policy: BucketPolicy, wall: number): Bucket {
    const at = this.elapsed();
    const window = policy.quota ? Math.floor(wall / 1000 / policy.quota.windowSeconds) : 0;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= this.sweepAt) this.sweep(wall, at);
      bucket = { tokens: policy.capacity, at, quotaWindow: window, quotaUsed: 0, capacity: policy.capacity, restorePerSecond: policy.restorePerSecond, quotaWindowSeconds: 0 };
      this.buckets.set(key, bucket);
    }
    bucket.capacity = policy.capacity;
    bucket.restorePerSecond = policy.restorePerSecond;
    bucket.quotaWindowSeconds = policy.quota?.windowSeconds ?? 0;
    if (at > bucket.at) {
      bucket.tokens = Math.min(policy.capacity, bucket.tokens + ((at - bucket.at) * policy.restorePerSecond) / 1000);
      bucket.at = at;
    }
    if (bucket.quotaWindow !== window) {
      bucket.quotaWindow = window;
      bucket.quotaUsed = 0;
    }
    return bucket;
  }

  private sweep(wall: number, at: number): void {
    for (const [key, b] of this.buckets) {
      const refilled = b.tokens + ((at - b.at) * b.restorePerSecond) / 1000;
      // A count from a window that is over is no count: without this, every consumer with a daily quota (an
      // anonymous address on the public API) was kept for good.
      const counting = b.quotaUsed > 0 && b.quotaWindowSeconds > 0 && Math.floor(wall / 1000 / b.quotaWindowSeconds) === b.quotaWindow;
      if (refilled >= b.capacity && !counting) this.buckets.delete(key);
    }
    this.sweepAt = Math.max(SWEEP_ABOVE, this.buckets.size * 2);
  }

  private state(bucket: Bucket, policy: BucketPolicy, wall: number): BudgetState {
    const window = policy.quota?.windowSeconds ?? 0;
    return {
      remaining: Math.floor(bucket.tokens),
      quotaUsed: policy.quota ? bucket.quotaUsed : 0,
      quotaResetSeconds: window ? window - (Math.floor(wall / 1000) % window) : 0,
    };
  }

  async take(key: string, cost: number, policy: BucketPolicy): Promise<BudgetDecision> {
    const wall = this.now();
    const bucket = this.load(key, policy, wall);
    if (policy.quota && bucket.quotaUsed >= policy.quota.limit) {
      return { allowed: false, reason: 'quota', ...this.state(bucket, policy, wall) };
    }
    if (bucket.tokens < cost) return { allowed: false, reason: 'budget', ...this.state(bucket, policy, wall) };
    bucket.tokens -= cost;
    if (policy.quota) bucket.quotaUsed += 1;
    return { allowed: true, ...this.state(bucket, policy, wall) };
  }

  async refund(key: string, points: number, policy: BucketPolicy): Promise<BudgetState> {
    const wall = this.now();
    const bucket = this.load(key, policy, wall);
    bucket.tokens = Math.min(policy.capacity, bucket.tokens + points);
    return this.state(bucket, policy, wall);
  }

  async peek(key: string, policy: BucketPolicy): Promise<BudgetState> {
    const wall = this.now();
    const existing = this.buckets.get(key);
    if (!existing) {
      return this.state({ tokens: policy.capacity, at: 0, quotaWindow: 0, quotaUsed: 0, capacity: policy.capacity, restorePerSecond: policy.restorePerSecond, quotaWindowSeconds: 0 }, policy, wall);
    }
    return this.state(this.load(key, policy, wall), policy, wall);
  }

  async close(): Promise<void> {
    this.buckets.clear();
  }
}
