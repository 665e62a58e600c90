import { createHash } from 'node:crypto';
import { closeRedis, connectRedis, reopenIfReadOnly, reopenRedis, type RedisConnection } from '../../clients/redis-connection.js';
import type { BucketPolicy, BudgetDecision, BudgetState, BudgetStore } from './budget-store.js';

/**
 * One decision, atomically, on the Redis server's clock: refill the bucket
 * for the time elapsed, then take the cost and one quota request if both fit
 * (or refund, or only read). A get-then-set from the gateway would over-admit
 * under concurrency across processes; a script cannot.
 */
const SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local points = tonumber(ARGV[1])
local cap = tonumber(ARGV[2])
local rate = tonumber(ARGV[3])
local qlimit = tonumber(ARGV[4])
local qwindow = tonumber(ARGV[5])
local mode = ARGV[6]
local b = redis.call('HMGET', KEYS[1], 't', 'ts')
local tokens = tonumber(b[1])
local ts = tonumber(b[2])
if not tokens then tokens = cap; ts = now end
if now > ts then tokens = math.min(cap, tokens + (now - ts) * rate / 1000) end
local qkey = KEYS[2] .. ':' .. math.floor(now / 1000 / qwindow)
local used = 0
if qlimit > 0 then used = tonumber(redis.call('GET', qkey) or '0') end
local allowed = 1
local reason = ''
if mode == 'take' then
  if qlimit > 0 and used >= qlimit then
    allowed = 0; reason = 'quota'
  elseif tokens < points then
    allowed = 0; reason = 'budget'
  else
    tokens = tokens - points
    if qlimit > 0 then
      used = redis.call('INCR', qkey)
      redis.call('EXPIRE', qkey, qwindow + 60)
    end
  end
elseif mode == 'refund' then
  tokens = math.min(cap, tokens + points)
end
if mode ~= 'peek' then
  redis.call('HSET', KEYS[1], 't', tostring(tokens), 'ts', tostring(now))
  redis.call('PEXPIRE', KEYS[1], math.ceil(cap / rate * 1000) + 60000)
end
return { allowed, reason, tostring(tokens), used, qwindow - (math.floor(now / 1000) % qwindow) }
`;
const SHA = createHash('sha1').update(SCRIPT).digest('hex');

type Mode = 'take' | 'refund' | 'peek';
type Reply = [number, string, string, number, number];

export interface RedisStoreOptions {
  /** A shared connection (its owner closes it), or `url` to open one of the store's own. */
  connection?: RedisConnection;
  url?: string;
  /** Put before every key (`REDIS_KEY_PREFIX`), so several deployments can share one Redis. */
  keyPrefix?: string;
}

/** The budgets' key family: `<REDIS_KEY_PREFIX>bff:budget:<audience>:<consumer>`, and `…bff:budget:quota:…` for daily counts. */
const BUDGET_KEY_FAMILY = 'bff:budget:';

/**
 * Budgets shared by every gateway process on one Redis. Commands fail at once
 * while disconnected (no offline queue, see `connectRedis`), so a caller can
 * fall back instead of waiting; the connection keeps reconnecting in the
 * background.
 */
export class RedisBudgetStore implements BudgetStore {
  private readonly client: RedisConnection;
  private readonly owned: boolean;
  private readonly prefix: string;

  constructor(options: RedisStoreOptions, onError: (error: unknown) => void = () => undefined) {
    this.prefix = `${options.keyPrefix ?? ''}${BUDGET_KEY_FAMILY}`;
    this.owned = options.connection === undefined;
    if (options.connection) this.client = options.connection;
    else if (options.url) this.client = connectRedis({ url: options.url, onError });
    else throw new Error('RedisBudgetStore needs a connection or a url');
  }

  /** Connected and able to answer now. */
  get ready(): boolean {
    return this.client.isReady;
  }

  private async run(key: string, points: number, policy: BucketPolicy, mode: Mode): Promise<Reply> {
    const args = [
      String(points),
      String(policy.capacity),
      String(policy.restorePerSecond),
      String(policy.quota?.limit ?? 0),
      String(policy.quota?.windowSeconds ?? 86_400),
      mode,
    ];
    const keys = [`${this.prefix}${key}`, `${this.prefix}quota:${key}`];
    try {
      try {
        return await this.client.sendCommand<Reply>(['EVALSHA', SHA, '2', ...keys, ...args]);
      } catch (error) {
        if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
        return await this.client.sendCommand<Reply>(['EVAL', SCRIPT, '2', ...keys, ...args]);
      }
    } catch (error) {
      // Still on the old primary after a failover: the next decision (or the fallback's probe) goes to the new one.
      reopenIfReadOnly(this.client, error);
      throw error;
    }
  }

  private static state([, , tokens, used, reset]: Reply, policy: BucketPolicy): BudgetState {
    return {
      remaining: Math.floor(Number(tokens)),
      quotaUsed: policy.quota ? Number(used) : 0,
      quotaResetSeconds: policy.quota ? Number(reset) : 0,
    };
  }

  async take(key: string, cost: number, policy: BucketPolicy): Promise<BudgetDecision> {
    const reply = await this.run(key, cost, policy, 'take');
    const decision: BudgetDecision = { allowed: reply[0] === 1, ...RedisBudgetStore.state(reply, policy) };
    if (reply[1] === 'budget' || reply[1] === 'quota') decision.reason = reply[1];
    return decision;
  }

  async refund(key: string, points: number, policy: BucketPolicy): Promise<BudgetState> {
    return RedisBudgetStore.state(await this.run(key, points, policy, 'refund'), policy);
  }

  async peek(key: string, policy: BucketPolicy): Promise<BudgetState> {
    return RedisBudgetStore.state(await this.run(key, 0, policy, 'peek'), policy);
  }

  /** Opens the connection again: it has answered nothing for long enough to be taken for dead (see `reopenRedis`). */
  reopen(): void {
    reopenRedis(this.client);
  }

  async close(): Promise<void> {
    if (this.owned) await closeRedis(this.client);
  }

}
