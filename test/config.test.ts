import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { problemsOf } from './helpers/config-problems.js';
import { DEV_JWT_SECRET, loadConfig } from '../src/config.js';
import { DEFAULT_RATE_LIMITS, loadRateLimits } from '../src/cost/limits.js';
import { tempFile } from './helpers/temp-file.js';

const ALL_URLS = {
  USERS_URL: 'http://127.0.0.1:1/u',
  ORDERS_URL: 'http://127.0.0.1:1/o',
  PRODUCTS_URL: 'http://127.0.0.1:1/p',
  INVENTORY_URL: 'http://127.0.0.1:1/i',
  REVIEWS_URL: 'http://127.0.0.1:1/r',
  PRICING_URL: 'http://127.0.0.1:1/pr',
  NOTIFICATIONS_URL: 'http://127.0.0.1:1/n',
};


/** Runs the built gateway as `npm start` does, with only the given environment. */
function startMain(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['scripts/start.mjs'], {
      env: { PATH: process.env['PATH'] ?? '', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe('Configuration', () => {
  it('defaults to port 4000, all audiences, the demo services and the development secret', () => {
    const config = loadConfig({});
    expect(config.port).toBe(4000);
    expect(config.audiences).toEqual(['mobile', 'web', 'public']);
    expect(config.upstreams).toBeNull();
    expect(config.jwt).toMatchObject({ kind: 'secret', secret: DEV_JWT_SECRET, isDevSecret: true });
  });

  it('takes all seven upstream URLs', () => {
    expect(loadConfig(ALL_URLS).upstreams?.pricing).toBe('http://127.0.0.1:1/pr');
  });

  it('names the missing URLs when only some are set', () => {
    const { USERS_URL, ORDERS_URL, ...rest } = ALL_URLS;
    void rest;
    const problems = problemsOf({ USERS_URL, ORDERS_URL });
    expect(problems.join()).toContain('PRODUCTS_URL, INVENTORY_URL, REVIEWS_URL, PRICING_URL, NOTIFICATIONS_URL');
  });

  it('serves only the listed AUDIENCES and refuses unknown ones', () => {
    expect(loadConfig({ AUDIENCES: 'public' }).audiences).toEqual(['public']);
    expect(problemsOf({ AUDIENCES: 'public,admin' }).join()).toContain('admin');
  });

  it('refuses a bad PORT, a short JWT_SECRET and both key kinds at once', () => {
    expect(problemsOf({ PORT: 'abc' }).join()).toContain('PORT');
    expect(problemsOf({ PORT: '70000' }).join()).toContain('PORT');
    expect(problemsOf({ JWT_SECRET: 'short' }).join()).toContain('JWT_SECRET');
    expect(problemsOf({ JWT_SECRET: 'x'.repeat(40), JWT_JWKS_URL: 'https://idp.example/jwks' }).join()).toContain('not both');
  });

  it('reads the overload limits and the shutdown delay, with 0 turning a limit off', () => {
    expect(loadConfig({}).overload).toEqual({ maxEventLoopDelayMs: 200, maxInFlight: 64, targetEventLoopDelayMs: 30, retryAfterSeconds: 1, edgeThread: false });
    expect(loadConfig({ OVERLOAD_EDGE_THREAD: 'on' }).overload.edgeThread).toBe(true);
    expect(loadConfig({ OVERLOAD_EDGE_THREAD: 'OFF' }).overload.edgeThread).toBe(false);
    expect(loadConfig({}).shutdownDelayMs).toBe(0);
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32), AUDIENCES: 'web' }).shutdownDelayMs).toBe(5_000);
    const off = loadConfig({ OVERLOAD_MAX_IN_FLIGHT: '0', OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0', OVERLOAD_TARGET_EVENT_LOOP_DELAY_MS: '0', SHUTDOWN_DELAY_MS: '250' });
    expect(off.overload).toMatchObject({ maxEventLoopDelayMs: 0, maxInFlight: 0, targetEventLoopDelayMs: 0 });
    expect(off.shutdownDelayMs).toBe(250);
    expect(problemsOf({ OVERLOAD_MAX_IN_FLIGHT: '-1', OVERLOAD_TARGET_EVENT_LOOP_DELAY_MS: 'soon', OVERLOAD_RETRY_AFTER_SECONDS: '0', OVERLOAD_EDGE_THREAD: 'yes' })).toEqual([
      expect.stringContaining('OVERLOAD_MAX_IN_FLIGHT'),
      expect.stringContaining('OVERLOAD_TARGET_EVENT_LOOP_DELAY_MS'),
      expect.stringContaining('OVERLOAD_RETRY_AFTER_SECONDS'),
      'OVERLOAD_EDGE_THREAD must be on or off (got "yes").',
    ]);
  });

  it('requires key material and API keys in production', () => {
    const problems = problemsOf({ NODE_ENV: 'production' }).join();
    expect(problems).toContain('JWT_SECRET or JWT_JWKS_URL');
    expect(problems).toContain('API_KEYS_FILE');
  });

  it('exits non-zero naming the missing URLs when started with some but not all', async () => {
    const { code, stderr } = await startMain({ USERS_URL: 'http://127.0.0.1:1' });
    expect(code).not.toBe(0);
    expect(stderr).toContain('ORDERS_URL');
    expect(stderr).toContain('NOTIFICATIONS_URL');
  });

  it('exits non-zero naming PORT when it is not a number', async () => {
    const { code, stderr } = await startMain({ PORT: 'eighty' });
    expect(code).not.toBe(0);
    expect(stderr).toContain('PORT');
  });

  it('exits 2 naming the problem when API_KEYS_FILE or RATE_LIMITS_FILE is invalid, before starting anything', async () => {
    const keys = await startMain({ API_KEYS_FILE: tempFile('keys.json', [{ consumer: 'x', tier: 'gold', scopes: [], sha256: 'ab' }]) });
    expect(keys.code).toBe(2);
    expect(keys.stderr).toContain('API_KEYS_FILE[0]');
    const limits = await startMain({ RATE_LIMITS_FILE: tempFile('limits.json', { web: { tiers: { free: { capacity: -1 } } } }) });
    expect(limits.code).toBe(2);
    expect(limits.stderr).toContain('RATE_LIMITS_FILE.web.tiers.free.capacity');
  });

  it('merges RATE_LIMITS_FILE over the defaults per audience and tier', () => {
    const limits = loadRateLimits(tempFile('limits.json', { public: { mode: 'measure', tiers: { pro: { capacity: 9 } } } }));
    expect(limits.public.mode).toBe('measure');
    expect(limits.public.tiers.pro).toEqual({ ...DEFAULT_RATE_LIMITS.public.tiers.pro, capacity: 9 });
    expect(limits.web).toEqual(DEFAULT_RATE_LIMITS.web);
    expect(() => loadRateLimits(tempFile('l.json', { admin: {} }))).toThrow(/unknown audience "admin"/);
  });
});

describe("The README's configuration table", () => {
  /** Each `| \`NAME\` | default | meaning (min–max) |` row: the range a reader is told start-up enforces. */
  const rows = readFileSync('README.md', 'utf8')
    .split('\n')
    .map((line) => /^\| `([A-Z_]+)` \|.*\((\d+)–(\d+)\) \|$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map(([, name, min, max]) => ({ name: name!, min: Number(min), max: Number(max) }));

  it('gives a range for every whole-number setting', () => {
    expect(rows.map((row) => row.name)).toEqual(
      expect.arrayContaining(['PORT', 'UPSTREAM_TIMEOUT_MS', 'MAX_BODY_BYTES', 'HEADERS_TIMEOUT_MS', 'OVERLOAD_MAX_IN_FLIGHT', 'PLAN_CACHE_SIZE']),
    );
    expect(rows.length).toBeGreaterThanOrEqual(18);
  });

  it('states the ranges start-up enforces: both ends accepted, one past either end refused naming the variable', () => {
    for (const { name, min, max } of rows) {
      // The JWKS settings are read only when there is a JWKS to fetch.
      const base: Record<string, string> = name.startsWith('JWT_JWKS_') ? { JWT_JWKS_URL: 'http://127.0.0.1:1/jwks.json' } : {};
      const problems = (value: number | string) => problemsOf({ ...base, [name]: String(value) });
      expect(problems(min), `${name}=${min}`).toEqual([]);
      expect(problems(max), `${name}=${max}`).toEqual([]);
      expect(problems(max + 1).join('\n'), `${name}=${max + 1}`).toContain(name);
      expect(problems(min > 0 ? min - 1 : '-1').join('\n'), `${name} below ${min}`).toContain(name);
    }
  });
});
