import type { Logger } from 'pino';
import type { BucketPolicy, BudgetDecision, BudgetState, BudgetStore } from './budget-store.js';
import { MemoryBudgetStore } from './memory-store.js';
import type { RedisBudgetStore } from './redis-store.js';

/** A Redis answer slower than this is treated as an outage. */
const REDIS_DEADLINE_MS = 1_000;
/** While budgets are local, how often one write is tried in the background to see whether Redis takes writes again. */
const PROBE_INTERVAL_MS = 1_000;
/** The probe's bucket: a take of 0 points writes it (so a Redis refusing writes fails the probe) and changes nothing. */
const PROBE_KEY = 'gateway:probe';
const PROBE_POLICY: BucketPolicy = { capacity: 1, restorePerSecond: 1 };
/**
 * Probes left unanswered this long (by a connection that still looks open) reopen it: after a failover that
 * took the old node's address away, its packets go nowhere and nothing closes the connection until TCP gives
 * up, many minutes later.
 */
const REOPEN_AFTER_SILENCE_MS = 10_000;

/** Redis did not answer in time (as opposed to answering with an error). */
class NoAnswerError extends Error {}

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new NoAnswerError(`no answer from Redis within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/**
 * Redis budgets with a local fallback: while Redis is unreachable, slow or
 * refusing writes (out of memory, a read-only replica), each process
 * enforces the same limits in memory — never a hang, never unlimited — and
 * says so once in the log and in a counter.
 *
 * Once one decision has failed, the others go local at once: no request
 * waits on a Redis already known to be bad (a stalled one would otherwise
 * hold every request for the deadline, pile them up against the in-flight
 * limit and shed load). A write is tried in the background every second,
 * and only when one succeeds within the deadline do the shared budgets
 * resume, so a Redis that answers reads but refuses writes does not flip
 * between the two on every request. A connection that has answered no probe
 * for 10 s is opened again (a failover may have taken its server away).
 */
export class FallbackBudgetStore implements BudgetStore {
  private readonly local = new MemoryBudgetStore();
  private degraded = false;
  private probe: NodeJS.Timeout | undefined;
  /** When the first of the probes left unanswered since the last answer was sent (monotonic clock). */
  private silentSince: number | undefined;
  private closed = false;
  /** Decisions taken locally because Redis could not answer. */
  fallbacks = 0;

  constructor(
    private readonly shared: RedisBudgetStore,
    private readonly logger: Logger,
    private readonly onFallback: () => void = () => undefined,
  ) {}

  /** Whether the shared store is answering (for readiness). */
  get sharedReady(): boolean {
    return this.shared.ready;
  }

  /** Whether decisions go to Redis now (false while budgets are local). */
  get usingShared(): boolean {
    return !this.degraded && this.shared.ready;
  }

  sharing(): 'shared' | 'local' {
    return this.usingShared ? 'shared' : 'local';
  }

  private async decide<T>(viaShared: () => Promise<T>, viaLocal: () => Promise<T>): Promise<T> {
    if (!this.degraded) {
      if (this.shared.ready) {
        try {
          return await withDeadline(viaShared(), REDIS_DEADLINE_MS);
        } catch (error) {
          this.degrade(error);
        }
      } else {
        this.degrade(new Error('Redis not connected'));
      }
    }
    this.fallbacks += 1;
    this.onFallback();
    return viaLocal();
  }

  /** Budgets go local (logged once per outage), and the background probe starts. */
  private degrade(error: unknown): void {
    if (this.degraded) return;
    this.degraded = true;
    this.logger.error({ err: error }, 'Redis unreachable: rate-limit budgets fall back to per-process memory');
    this.scheduleProbe();
  }

  private scheduleProbe(): void {
    if (this.closed) return;
    this.probe = setTimeout(() => void this.tryShared(), PROBE_INTERVAL_MS);
    this.probe.unref();
  }

  private async tryShared(): Promise<void> {
    if (!this.shared.ready) {
      // Silence is counted on one connection: one lost meanwhile and opened again starts the count afresh.
      this.silentSince = undefined;
    } else {
      const sent = performance.now();
      try {
        await withDeadline(this.shared.take(PROBE_KEY, 0, PROBE_POLICY), REDIS_DEADLINE_MS);
        this.silentSince = undefined;
        if (this.closed) return;
        this.degraded = false;
        this.logger.warn('Redis answers again: shared rate-limit budgets resumed');
        return;
      } catch (error) {
        // Closed meanwhile (a probe unanswered while the gateway shuts down): its connection is not opened again.
        if (this.closed) return;
        // Still failing: budgets stay local, and the next probe follows.
        this.silentSince = error instanceof NoAnswerError ? (this.silentSince ?? sent) : undefined;
        if (this.silentSince !== undefined && performance.now() - this.silentSince >= REOPEN_AFTER_SILENCE_MS) {
          this.silentSince = undefined;
          this.logger.warn(`Redis has not answered for ${REOPEN_AFTER_SILENCE_MS / 1_000} s: its connection is opened again`);
          this.shared.reopen();
        }
      }
    }
    this.scheduleProbe();
  }

  take(key: string, cost: number, policy: BucketPolicy): Promise<BudgetDecision> {
    let sent: Promise<BudgetDecision> | undefined;
    return this.decide(
      () => (sent = this.shared.take(key, cost, policy)),
      async () => {
        // A take that missed its deadline may still run in Redis once it answers: its points go back there,
        // or the consumer pays twice, here and in the shared bucket. (Its quota request stays counted.)
        if (sent && cost > 0) void sent.then((late) => (late.allowed ? this.shared.refund(key, cost, policy) : undefined)).catch(() => undefined);
        return { ...(await this.local.take(key, cost, policy)), local: true };
      },
    );
  }

  /**
   * Points go back to the bucket they were taken from, whichever one decisions go to now: points a local
   * bucket reserved during an outage would otherwise be given to Redis once it is back (points it never
   * took), and points Redis reserved would go to a local bucket that never paid them while it is away.
   */
  refund(key: string, points: number, policy: BucketPolicy, reservation?: BudgetDecision): Promise<BudgetState> {
    if (reservation?.local) return this.local.refund(key, points, policy);
    const viaLocal = reservation ? () => this.local.peek(key, policy) : () => this.local.refund(key, points, policy);
    return this.decide(() => this.shared.refund(key, points, policy), viaLocal);
  }

  peek(key: string, policy: BucketPolicy): Promise<BudgetState> {
    return this.decide(() => this.shared.peek(key, policy), () => this.local.peek(key, policy));
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.probe);
    await Promise.all([this.shared.close(), this.local.close()]);
  }
}
