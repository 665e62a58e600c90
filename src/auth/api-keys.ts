import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { TIERS, type Tier } from '../../clients/index.js';
import { ConfigError } from '../config.js';
import type { Consumer } from './consumer.js';

/** One entry of `API_KEYS_FILE`: only the key's SHA-256 is stored. */
export interface ApiKeyRecord {
  consumer: string;
  tier: Tier;
  scopes: string[];
  sha256: string;
}

/**
 * Development-only keys, used when `API_KEYS_FILE` is not set outside
 * production (and said so in the log). Documented in the README.
 */
export const DEMO_API_KEYS: ReadonlyArray<{ key: string; consumer: string; tier: Tier; scopes: string[] }> = [
  { key: 'demo-public-key-pro', consumer: 'demo-partner-pro', tier: 'pro', scopes: ['catalog:read'] },
  { key: 'demo-public-key-free', consumer: 'demo-partner-free', tier: 'free', scopes: ['catalog:read'] },
  { key: 'demo-public-key-noscope', consumer: 'demo-partner-noscope', tier: 'free', scopes: [] },
];

/** Lower-case hex SHA-256 of a key, as stored in `API_KEYS_FILE`. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

function parseRecords(raw: unknown, source: string): ApiKeyRecord[] {
  if (!Array.isArray(raw)) throw new ConfigError([`${source} must hold a JSON array of keys.`]);
  const records = raw.map((entry: unknown, i) => {
    const e = (entry ?? {}) as Record<string, unknown>;
    const problems: string[] = [];
    if (typeof e['consumer'] !== 'string' || !e['consumer']) problems.push('consumer must be a non-empty string');
    if (typeof e['tier'] !== 'string' || !(TIERS as readonly string[]).includes(e['tier'])) {
      problems.push(`tier must be one of ${TIERS.join(', ')}`);
    }
    if (!Array.isArray(e['scopes']) || !e['scopes'].every((s) => typeof s === 'string')) {
      problems.push('scopes must be an array of strings');
    }
    if (typeof e['sha256'] !== 'string' || !/^[0-9a-fA-F]{64}$/.test(e['sha256'])) {
      problems.push('sha256 must be 64 hex digits');
    }
    if (problems.length > 0) throw new ConfigError(problems.map((p) => `${source}[${i}]: ${p}`));
    return {
      consumer: e['consumer'] as string,
      tier: e['tier'] as Tier,
      scopes: e['scopes'] as string[],
      sha256: (e['sha256'] as string).toLowerCase(),
    };
  });
  // One key, two consumers: which one a request is would depend on the file's order. Refused, naming both entries.
  const first = new Map<string, number>();
  records.forEach((record, i) => {
    const earlier = first.get(record.sha256);
    if (earlier !== undefined) throw new ConfigError([`${source}[${i}]: the same key (sha256) as ${source}[${earlier}]`]);
    first.set(record.sha256, i);
  });
  return records;
}

/**
 * Looks up API keys by their SHA-256, in one map lookup however many keys
 * there are (a comparison with every stored hash cost 75 µs a request at
 * 1,000 keys, 0.55 ms at 10,000). The lookup's timing can only tell about the
 * hash of what was presented, which the caller already knows, never about a
 * stored key: to steer the hash towards a stored one would take a preimage.
 */
export class ApiKeyStore {
  private byDigest = new Map<string, Consumer>();
  /** The text of `API_KEYS_FILE` these keys were read from (undefined: the demo keys), for its watch to compare. */
  source: string | undefined;

  constructor(records: readonly ApiKeyRecord[], source?: string) {
    this.replace(records, source);
  }

  /** From now on these keys, and only these, are known (a reload of `API_KEYS_FILE`): one assignment, no request sees half. */
  replace(records: readonly ApiKeyRecord[], source?: string): void {
    this.source = source;
    this.byDigest = new Map(
      records.map((r) => [Buffer.from(r.sha256, 'hex').toString('base64'), { kind: 'apiKey', id: r.consumer, tier: r.tier, scopes: new Set(r.scopes) }]),
    );
  }

  /** The consumer a presented key belongs to, or null. */
  lookup(presented: string): Consumer | null {
    return this.byDigest.get(createHash('sha256').update(presented, 'utf8').digest('base64')) ?? null;
  }

  get size(): number {
    return this.byDigest.size;
  }
}

/** The records of `API_KEYS_FILE`'s text. Throws ConfigError naming what is wrong. */
function recordsOf(text: string): ApiKeyRecord[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError([`API_KEYS_FILE could not be read as JSON: ${(error as Error).message}`]);
  }
  return parseRecords(raw, 'API_KEYS_FILE');
}

function readKeysFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError([`API_KEYS_FILE could not be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`]);
  }
}

/** Loads `API_KEYS_FILE`, or the demo keys when `file` is null. Throws ConfigError on a bad file. */
export function loadApiKeys(file: string | null): ApiKeyStore {
  if (file === null) {
    return new ApiKeyStore(DEMO_API_KEYS.map(({ key, ...rest }) => ({ ...rest, sha256: hashApiKey(key) })));
  }
  const text = readKeysFile(file);
  return new ApiKeyStore(recordsOf(text), text);
}

export type ApiKeysReload = 'unchanged' | 'reloaded' | 'failed';

export interface ApiKeysWatch {
  /** Reads the file again now (SIGHUP): the keys are replaced when its text changed and is valid; a failure is always reported. */
  reload(): ApiKeysReload;
  close(): void;
}

/**
 * Keeps `store` in step with `file` without a restart: the file is read
 * again every `intervalMs` (0: only on `reload()`), and a changed text that
 * holds valid keys replaces them all at once, so a revoked key stops working
 * and a new one starts. A file that cannot be read or holds no valid keys (a
 * half-written file, a bad entry) changes nothing: the keys in use stay, and
 * the failure is reported once, not at every timed read (at every `reload()`,
 * which an operator waits on). The whole file is read
 * each time: a Kubernetes ConfigMap is swapped by a symbolic link, which a
 * watch on the file would miss.
 */
export function watchApiKeys(
  file: string,
  store: ApiKeyStore,
  options: { intervalMs: number; onReload: (outcome: Exclude<ApiKeysReload, 'unchanged'>, detail: { keys: number; problems?: string[] }) => void },
): ApiKeysWatch {
  // Only a text that differs from the one whose keys are in use (the store's source: that of start-up at first, not
  // read again here, so a change made meanwhile is applied) is parsed. One that failed is not taken as read, so
  // every SIGHUP while it stays says it failed (and the timer's reads try it again, telling only once).
  let lastFailure: string | undefined;
  const read = (always: boolean): ApiKeysReload => {
    try {
      const text = readKeysFile(file);
      if (text === store.source) {
        lastFailure = undefined;
        return 'unchanged';
      }
      store.replace(recordsOf(text), text);
    } catch (error) {
      const problems = error instanceof ConfigError ? error.problems : [String(error)];
      const failure = problems.join('\n');
      if (always || failure !== lastFailure) options.onReload('failed', { keys: store.size, problems });
      lastFailure = failure;
      return 'failed';
    }
    lastFailure = undefined;
    options.onReload('reloaded', { keys: store.size });
    return 'reloaded';
  };
  const timer = options.intervalMs > 0 ? setInterval(() => read(false), options.intervalMs).unref() : undefined;
  return {
    reload: () => read(true),
    close: () => clearInterval(timer),
  };
}
