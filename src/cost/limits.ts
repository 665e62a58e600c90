import { readFileSync } from 'node:fs';
import { TIERS, type Tier } from '../../clients/index.js';
import { ConfigError } from '../config.js';
import { AUDIENCES, type Audience } from '../context.js';
import type { BucketPolicy } from './budget-store.js';

/** `enforce` answers 429 when over budget; `measure` computes and reports only (for rolling out a new limit). */
export type CostMode = 'enforce' | 'measure';

export interface TierLimits {
  /** Bucket size in cost points: the most one consumer can spend in a burst. */
  capacity: number;
  /** Points restored per second. */
  restorePerSecond: number;
  /** Requests per UTC day (public API keys' usage-plan quota); absent: no quota. */
  dailyQuota?: number;
}

export interface AudienceLimits {
  mode: CostMode;
  /** No single operation may cost more than this, whatever the budget. */
  maxOperationCost: number;
  tiers: Record<Tier, TierLimits>;
}

export type RateLimits = Record<Audience, AudienceLimits>;

const APP_LIMITS: AudienceLimits = {
  mode: 'enforce',
  maxOperationCost: 5_000,
  tiers: {
    free: { capacity: 5_000, restorePerSecond: 100 },
    pro: { capacity: 20_000, restorePerSecond: 400 },
    enterprise: { capacity: 50_000, restorePerSecond: 1_000 },
  },
};

/** The defaults, documented in the README ("Cost and rate limits"). */
export const DEFAULT_RATE_LIMITS: RateLimits = {
  mobile: APP_LIMITS,
  web: APP_LIMITS,
  public: {
    mode: 'enforce',
    maxOperationCost: 2_000,
    tiers: {
      free: { capacity: 1_000, restorePerSecond: 20, dailyQuota: 10_000 },
      pro: { capacity: 5_000, restorePerSecond: 100, dailyQuota: 100_000 },
      enterprise: { capacity: 20_000, restorePerSecond: 500, dailyQuota: 1_000_000 },
    },
  },
};

const positive = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;

function merge(base: AudienceLimits, raw: unknown, where: string, problems: string[]): AudienceLimits {
  if (raw === undefined) return base;
  if (typeof raw !== 'object' || raw === null) {
    problems.push(`${where} must be an object`);
    return base;
  }
  const r = raw as Record<string, unknown>;
  const out: AudienceLimits = { ...base, tiers: { ...base.tiers } };
  if (r['mode'] !== undefined) {
    if (r['mode'] === 'enforce' || r['mode'] === 'measure') out.mode = r['mode'];
    else problems.push(`${where}.mode must be "enforce" or "measure"`);
  }
  if (r['maxOperationCost'] !== undefined) {
    if (positive(r['maxOperationCost'])) out.maxOperationCost = r['maxOperationCost'];
    else problems.push(`${where}.maxOperationCost must be a positive number`);
  }
  const tiers = (r['tiers'] ?? {}) as Record<string, unknown>;
  for (const [tier, value] of Object.entries(tiers)) {
    if (!(TIERS as readonly string[]).includes(tier)) {
      problems.push(`${where}.tiers.${tier} is not a tier (${TIERS.join(', ')})`);
      continue;
    }
    const t = (value ?? {}) as Record<string, unknown>;
    const merged: TierLimits = { ...out.tiers[tier as Tier] };
    for (const field of ['capacity', 'restorePerSecond', 'dailyQuota'] as const) {
      if (t[field] === undefined) continue;
      if (positive(t[field])) merged[field] = t[field];
      else problems.push(`${where}.tiers.${tier}.${field} must be a positive number`);
    }
    out.tiers[tier as Tier] = merged;
  }
  return out;
}

/**
 * The rate limits: the defaults, overridden per audience by the JSON file
 * named in `RATE_LIMITS_FILE`, e.g.
 * `{ "public": { "mode": "measure", "tiers": { "free": { "capacity": 2000 } } } }`.
 */
export function loadRateLimits(file: string | null): RateLimits {
  if (!file) return DEFAULT_RATE_LIMITS;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError([`RATE_LIMITS_FILE could not be read as JSON: ${(error as Error).message}`]);
  }
  const problems: string[] = [];
  const input = (raw ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!(AUDIENCES as readonly string[]).includes(key)) problems.push(`RATE_LIMITS_FILE: unknown audience "${key}"`);
  }
  const limits = Object.fromEntries(
    AUDIENCES.map((a) => [a, merge(DEFAULT_RATE_LIMITS[a], input[a], `RATE_LIMITS_FILE.${a}`, problems)]),
  ) as RateLimits;
  if (problems.length > 0) throw new ConfigError(problems);
  return limits;
}

/** The bucket a consumer of `tier` gets on an audience. */
export function bucketPolicy(limits: AudienceLimits, tier: Tier): BucketPolicy {
  const t = limits.tiers[tier];
  return {
    capacity: t.capacity,
    restorePerSecond: t.restorePerSecond,
    quota: t.dailyQuota ? { limit: t.dailyQuota, windowSeconds: 86_400 } : undefined,
  };
}
