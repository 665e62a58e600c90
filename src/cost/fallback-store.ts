import type { Logger } from 'pino';
import type { BucketPolicy, BudgetDecision, BudgetState, BudgetStore } from './budget-store.js';
import { MemoryBudgetStore } from './memory-store.js';
import type { RedisBudgetStore } from './redis-store.js';

/** A Redis answer slower than this is treated as an outage for this decision. */
const REDIS_DEADLINE_MS = 1_000;

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from Redis within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/**
 * Redis budgets with a local fallback: while Redis is unreachable (or slow),
 * each process enforces the same limits in memory — never a hang, never
 * unlimited — and says so in the log and a counter; once Redis answers again
 * the shared budgets resume.
 */
export class FallbackBudgetStore implements BudgetStore {
  private readonly local = new MemoryBudgetStore();
  private degraded = false;
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

  private async decide<T>(viaShared: () => Promise<T>, viaLocal: () => Promise<T>): Promise<T> {
    if (this.shared.ready) {
      try {
        const result = await withDeadline(viaShared(), REDIS_DEADLINE_MS);
        if (this.degraded) {
          this.degraded = false;
          this.logger.warn('Redis answers again: shared rate-limit budgets resumed');
        }
        return result;
      } catch (error) {
        this.note(error);
      }
    } else {
      this.note(new Error('Redis not connected'));
    }
    return viaLocal();
  }

  private note(error: unknown): void {
    this.fallbacks += 1;
    this.onFallback();
    if (!this.degraded) {
      this.degraded = true;
      this.logger.error({ err: error }, 'Redis unreachable: rate-limit budgets fall back to per-process memory');
    }
  }

  take(key: string, cost: number, policy: BucketPolicy): Promise<BudgetDecision> {
    return this.decide(() => this.shared.take(key, cost, policy), () => this.local.take(key, cost, policy));
  }

  refund(key: string, points: number, policy: BucketPolicy): Promise<BudgetState> {
    return this.decide(() => this.shared.refund(key, points, policy), () => this.local.refund(key, points, policy));
  }

  peek(key: string, policy: BucketPolicy): Promise<BudgetState> {
    return this.decide(() => this.shared.peek(key, policy), () => this.local.peek(key, policy));
  }

  async close(): Promise<void> {
    await Promise.all([this.shared.close(), this.local.close()]);
  }
}
