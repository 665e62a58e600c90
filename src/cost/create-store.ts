import type { Logger } from 'pino';
import { throttledWarn } from '../observability/throttled-log.js';
import type { BudgetStore } from './budget-store.js';
import { FallbackBudgetStore } from './fallback-store.js';
import { MemoryBudgetStore } from './memory-store.js';
import { RedisBudgetStore } from './redis-store.js';

/** In memory without `REDIS_URL`; with it, shared on Redis with a local fallback during outages. */
export function createBudgetStore(redisUrl: string | null, logger: Logger, onFallback?: () => void): BudgetStore {
  if (!redisUrl) return new MemoryBudgetStore();
  // The client retries in the background and reports every attempt.
  const redis = new RedisBudgetStore({ url: redisUrl }, throttledWarn(logger, 'rate-limit budgets: Redis connection problem'));
  return new FallbackBudgetStore(redis, logger, onFallback);
}
