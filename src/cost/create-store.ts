import type { Logger } from 'pino';
import type { RedisConnection } from '../../clients/redis-connection.js';
import type { BudgetStore } from './budget-store.js';
import { FallbackBudgetStore } from './fallback-store.js';
import { MemoryBudgetStore } from './memory-store.js';
import { RedisBudgetStore } from './redis-store.js';

/**
 * In memory without Redis; with the gateway's Redis connection, shared (keys under `keyPrefix`), with a local
 * fallback during outages.
 */
export function createBudgetStore(redis: RedisConnection | null, logger: Logger, onFallback?: () => void, keyPrefix = ''): BudgetStore {
  if (!redis) return new MemoryBudgetStore();
  return new FallbackBudgetStore(new RedisBudgetStore({ connection: redis, keyPrefix }), logger, onFallback);
}
