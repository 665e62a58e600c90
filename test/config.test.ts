import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { problemsOf } from './helpers/config-problems.js';
import { ConfigError, DEV_JWT_SECRET, displayUrl, loadConfig } from '../src/config.js';
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

  // A value from a secret file keeps its trailing newline: the check read the URL as the URL parser does and
  // passed it, and then every call to that service failed as UPSTREAM_UNAVAILABLE.
  it('uses each upstream URL as it was checked: no surrounding spaces, trailing newline or trailing slash', () => {
    const upstreams = loadConfig({ ...ALL_URLS, USERS_URL: ' http://127.0.0.1:1/u/\n', ORDERS_URL: 'HTTP://127.0.0.1:1/o//\t' }).upstreams!;
    expect(upstreams.users).toBe('http://127.0.0.1:1/u');
    expect(upstreams.orders).toBe('http://127.0.0.1:1/o');
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
    expect(loadConfig({}).overload).toEqual({ maxEventLoopDelayMs: 200, maxInFlight: 64, targetEventLoopDelayMs: 30, retryAfterSeconds: 1, edgeThread: true, mainThreadNice: 'auto' });
    expect(loadConfig({ OVERLOAD_MAIN_THREAD_NICE: '0' }).overload.mainThreadNice).toBe(0);
    expect(loadConfig({ OVERLOAD_MAIN_THREAD_NICE: '10' }).overload.mainThreadNice).toBe(10);
    expect(loadConfig({ OVERLOAD_MAIN_THREAD_NICE: ' Auto ' }).overload.mainThreadNice).toBe('auto');
    expect(loadConfig({ OVERLOAD_EDGE_THREAD: 'off' }).overload.edgeThread).toBe(false);
    expect(loadConfig({ OVERLOAD_EDGE_THREAD: 'ON' }).overload.edgeThread).toBe(true);
    expect(loadConfig({}).shutdownDelayMs).toBe(0);
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32), AUDIENCES: 'web' }).shutdownDelayMs).toBe(5_000);
    const off = loadConfig({ OVERLOAD_MAX_IN_FLIGHT: '0', OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0', OVERLOAD_TARGET_EVENT_LOOP_DELAY_MS: '0', SHUTDOWN_DELAY_MS: '250' });
    expect(off.overload).toMatchObject({ maxEventLoopDelayMs: 0, maxInFlight: 0, targetEventLoopDelayMs: 0 });
    expect(off.shutdownDelayMs).toBe(250);
    expect(problemsOf({ OVERLOAD_MAX_IN_FLIGHT: '-1', OVERLOAD_TARGET_EVENT_LOOP_DELAY_MS: 'soon', OVERLOAD_RETRY_AFTER_SECONDS: '0', OVERLOAD_EDGE_THREAD: 'yes', OVERLOAD_MAIN_THREAD_NICE: '20' })).toEqual([
      expect.stringContaining('OVERLOAD_MAX_IN_FLIGHT'),
      expect.stringContaining('OVERLOAD_TARGET_EVENT_LOOP_DELAY_MS'),
      expect.stringContaining('OVERLOAD_RETRY_AFTER_SECONDS'),
      'OVERLOAD_EDGE_THREAD must be on or off (got "yes").',
      'OVERLOAD_MAIN_THREAD_NICE must be auto or an integer from 0 to 19 (got "20").',
    ]);
    expect(problemsOf({ OVERLOAD_MAIN_THREAD_NICE: '-1' })).toEqual(['OVERLOAD_MAIN_THREAD_NICE must be auto or an integer from 0 to 19 (got "-1").']);
  });

  it('compresses answers by default, and reads the compression settings only when it is on', () => {
    expect(loadConfig({}).compression).toEqual({ minBytes: 2048, level: 1 });
    expect(loadConfig({ RESPONSE_COMPRESSION: 'on', RESPONSE_COMPRESSION_MIN_BYTES: '0', RESPONSE_COMPRESSION_LEVEL: '6' }).compression).toEqual({ minBytes: 0, level: 6 });
    expect(loadConfig({ RESPONSE_COMPRESSION: 'Off', RESPONSE_COMPRESSION_LEVEL: 'best' }).compression).toBeNull();
    expect(problemsOf({ RESPONSE_COMPRESSION: 'gzip' })).toEqual(['RESPONSE_COMPRESSION must be on or off (got "gzip").']);
    expect(problemsOf({ RESPONSE_COMPRESSION_LEVEL: '0' })).toEqual(['RESPONSE_COMPRESSION_LEVEL must be an integer from 1 to 9 (got "0").']);
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

  it('refuses a misspelt tier, an unknown mode and a limit of 0 in RATE_LIMITS_FILE rather than leaving the default in place', () => {
    const problems = (content: unknown) => {
      try {
        loadRateLimits(tempFile('limits.json', content));
      } catch (error) {
        if (error instanceof ConfigError) return error.problems;
        throw error;
      }
      return [];
    };
    expect(problems({ public: { tiers: { Pro: { capacity: 9 } } } })).toEqual(['RATE_LIMITS_FILE.public.tiers.Pro is not a tier (free, pro, enterprise)']);
    expect(problems({ web: { mode: 'enforcing' } })).toEqual(['RATE_LIMITS_FILE.web.mode must be "enforce" or "measure"']);
    for (const field of ['capacity', 'restorePerSecond', 'dailyQuota']) {
      expect(problems({ mobile: { tiers: { free: { [field]: 0 } } } })).toEqual([`RATE_LIMITS_FILE.mobile.tiers.free.${field} must be a positive number`]);
    }
    expect(problems({ public: { maxOperationCost: 0 } })).toEqual(['RATE_LIMITS_FILE.public.maxOperationCost must be a positive number']);
  });
});

describe('Configuration an operator gets wrong: a start-up error naming the variable, never a silent default or a leaked secret', () => {
  it('checks REDIS_URL as the Redis client reads it, without printing its password', () => {
    for (const url of ['redis://default:Zm9v/YmFyS3cret=@redis.internal:6379', 'redis://:S3cret@127.0.0.1:badport', 'redis://:S3cret%zz@127.0.0.1:6379', 'redis://:S3cret@127.0.0.1:6379/notanumber', 'redis://:S3cret#x@127.0.0.1:6379', 'http://127.0.0.1:6379']) {
      const problems = problemsOf({ REDIS_URL: url }).join('\n');
      expect(problems, url).toContain('REDIS_URL');
      expect(problems, url).not.toContain('S3cret');
    }
    expect(problemsOf({ REDIS_URL: 'redis://:S3cret@127.0.0.1:6379/3' })).toEqual([]);
    expect(problemsOf({ REDIS_URL: 'rediss://gateway:p%23ss@redis.internal:6380' })).toEqual([]);
  });

  // An ACL user is held to one deployment's keys by the pattern ~<prefix>*: a glob character in the prefix
  // would let that pattern match another deployment's keys.
  it('checks REDIS_KEY_PREFIX, read only with REDIS_URL: letters, digits and _ . : - only', () => {
    const redis = { REDIS_URL: 'redis://127.0.0.1:6379' };
    for (const prefix of ['staging:', 'eu-west-1.prod_', 'a'.repeat(64)]) expect(problemsOf({ ...redis, REDIS_KEY_PREFIX: prefix }), prefix).toEqual([]);
    for (const prefix of ['prod*', 'st[a]ging:', 'two words', 'a'.repeat(65)]) {
      expect(problemsOf({ ...redis, REDIS_KEY_PREFIX: prefix }).join('\n'), prefix).toContain('REDIS_KEY_PREFIX');
    }
    expect(problemsOf({ REDIS_KEY_PREFIX: 'prod*' })).toEqual([]);
  });

  it("never echoes a URL's user, password or query in a problem", () => {
    const problems = problemsOf({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'ftp://user:s3cretpw@127.0.0.1:4318/?token=QSECRET',
      JWT_JWKS_URL: 'ftp://idp:jwkspw@idp.example/jwks.json',
      ...ALL_URLS,
      USERS_URL: 'ftp://svc:userspw@127.0.0.1:1/u?key=USECRET',
    }).join('\n');
    expect(problems).toContain('OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT');
    expect(problems).toContain('JWT_JWKS_URL');
    expect(problems).toContain('USERS_URL');
    expect(problems).not.toMatch(/s3cretpw|QSECRET|jwkspw|userspw|USECRET/);
  });

  it('refuses a JWKS URL holding a user or password, which fetch would refuse on every request', () => {
    const problems = problemsOf({ JWT_JWKS_URL: 'https://idp:JwksPassw0rd@idp.example/jwks.json?key=JwksQueryKey' }).join('\n');
    expect(problems).toContain('JWT_JWKS_URL must not hold a user or password');
    expect(problems).not.toMatch(/JwksPassw0rd|JwksQueryKey/);
    expect(problemsOf({ JWT_JWKS_URL: 'https://idp.example/jwks.json?key=k' })).toEqual([]);
    expect(loadConfig({ JWT_JWKS_URL: ' https://idp.example/jwks.json\n' }).jwt).toMatchObject({ kind: 'jwks', url: 'https://idp.example/jwks.json' });
  });

  it("shows no part of a password whose unencoded '/', '?' or '#' makes a URL parse with its user as the host", () => {
    // 'user:1234/pw@host' is a valid URL: host "user", port 1234, path "/pw@host".
    for (const url of ['https://idp:1234/S3cret@idp.example/jwks', 'https://idp:12?S3cret@idp.example/jwks', 'https://idp:12#S3cret@idp.example/jwks']) {
      const shown = displayUrl(url);
      expect(shown, url).toBe('https://…@idp.example/jwks');
    }
    expect(displayUrl('https://idp:S3cret@idp.example/jwks?key=S3cret')).toBe('https://idp.example/jwks');
  });

  it("appends /v1/traces to the base endpoint's path, keeping its query a query", () => {
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/?token=q' }).tracing?.tracesUrl).toBe('http://collector:4318/v1/traces?token=q');
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/otlp/' }).tracing?.tracesUrl).toBe('http://collector:4318/otlp/v1/traces');
  });

  it('refuses an OTEL_TRACES_SAMPLER_ARG that is not a number (Number(" ") is 0: nothing would be sampled)', () => {
    const tracing = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    for (const ratio of [' ', 'half', '0x1', '1e-1']) {
      expect(problemsOf({ ...tracing, OTEL_TRACES_SAMPLER_ARG: ratio }).join(), JSON.stringify(ratio)).toContain('OTEL_TRACES_SAMPLER_ARG');
    }
    expect(loadConfig({ ...tracing, OTEL_TRACES_SAMPLER_ARG: '0.25' }).tracing?.samplerRatio).toBe(0.25);
    expect(loadConfig({ ...tracing, OTEL_TRACES_SAMPLER_ARG: '' }).tracing?.samplerRatio).toBe(1);
  });

  it('reads an empty LOG_LEVEL as unset and any case as the level, and shows what it got when it is none', () => {
    expect(loadConfig({ LOG_LEVEL: '' }).logLevel).toBe('info');
    expect(loadConfig({ LOG_LEVEL: 'WARN' }).logLevel).toBe('warn');
    expect(problemsOf({ LOG_LEVEL: 'loud' })).toEqual([expect.stringMatching(/^LOG_LEVEL must be one of .* \(got "loud"\)\.$/)]);
  });

  // The transport sends no credentials it finds in a URL, and appends paths after a query: such a URL passed the
  // check and then every call went without its credentials, or to another path with a mangled query.
  it('refuses an upstream URL holding a user, password, query or fragment, without printing them', () => {
    const problems = problemsOf({ ...ALL_URLS, USERS_URL: 'http://svc:UsersPassw0rd@users.internal/api', ORDERS_URL: 'http://orders.internal/api?tenant=OrdersTenant', PRICING_URL: 'http://pricing.internal/api#v2' });
    expect(problems).toEqual([
      expect.stringContaining('USERS_URL must not hold a user or password'),
      expect.stringContaining('ORDERS_URL must be a base URL'),
      expect.stringContaining('PRICING_URL must be a base URL'),
    ]);
    expect(problems.join('\n')).not.toMatch(/UsersPassw0rd|OrdersTenant/);
    expect(problemsOf({ ...ALL_URLS, USERS_URL: 'http://users.internal:8080/users-api/v2/' })).toEqual([]);
  });

  it('reads HTTP_PROXY, HTTPS_PROXY and NO_PROXY only with NODE_USE_ENV_PROXY=1, lower case first, never printing a password', () => {
    const env = { http_proxy: 'http://egress:3128', HTTP_PROXY: 'http://other:3128', HTTPS_PROXY: 'http://gw:S3cret@egress:3128/', NO_PROXY: '.svc.cluster.local, 10.0.0.0/8 localhost' };
    expect(loadConfig(env)).toMatchObject({ egressProxy: null, egressProxyIgnored: ['http_proxy', 'HTTPS_PROXY'] });
    expect(loadConfig({ ...env, NODE_USE_ENV_PROXY: '1' }).egressProxy).toEqual({
      httpProxy: 'http://egress:3128/',
      httpsProxy: 'http://gw:S3cret@egress:3128/',
      noProxy: ['.svc.cluster.local', '10.0.0.0/8', 'localhost'],
    });
    expect(loadConfig({ NODE_USE_ENV_PROXY: '1' }).egressProxy).toBeNull();
    expect(problemsOf({ NODE_USE_ENV_PROXY: 'true' })).toEqual([expect.stringContaining('NODE_USE_ENV_PROXY must be 1')]);
    const problems = problemsOf({ NODE_USE_ENV_PROXY: '1', HTTPS_PROXY: 'socks5://gw:S3cret@egress:1080', HTTP_PROXY: 'http://egress:3128/some/path' });
    expect(problems).toEqual([expect.stringContaining('HTTP_PROXY must be'), expect.stringContaining('HTTPS_PROXY must be')]);
    expect(problems.join('\n')).not.toContain('S3cret');
  });

  // The first call of each service chose its route, and a range Node's BlockList refuses threw there: the gateway
  // started, and every upstream call was UPSTREAM_UNAVAILABLE.
  it('refuses a NO_PROXY range that is not one, naming it', () => {
    const proxy = { NODE_USE_ENV_PROXY: '1', HTTP_PROXY: 'http://egress:3128' };
    expect(problemsOf({ ...proxy, NO_PROXY: '10.0.0.0/8, fd00::/8, .svc, 10.1.2.3:8080' })).toEqual([]);
    expect(problemsOf({ ...proxy, no_proxy: '10.0.0.0/33, .svc, fd00::/129, [fd00::]/8' })).toEqual([
      expect.stringMatching(/^no_proxy .*"10\.0\.0\.0\/33, fd00::\/129, \[fd00::\]\/8"/),
    ]);
  });

  it('checks HOST is an address or a host name', () => {
    for (const host of [' ', 'not a host', 'host_name', 'http://gateway']) expect(problemsOf({ HOST: host }).join(), JSON.stringify(host)).toContain('HOST');
    for (const host of ['0.0.0.0', '::', '127.0.0.1', 'localhost', 'gateway.internal']) expect(problemsOf({ HOST: host }), host).toEqual([]);
  });

  it('takes addresses and CIDR ranges in TRUSTED_PROXIES, and refuses anything else', () => {
    expect(loadConfig({ TRUSTED_PROXIES: '10.0.0.0/8, fd00::/8, 192.0.2.1' }).trustedProxies).toEqual(['10.0.0.0/8', 'fd00::/8', '192.0.2.1']);
    const problems = problemsOf({ TRUSTED_PROXIES: 'ingress, 10.0.0.0/33, 192.0.2.1' });
    expect(problems).toEqual([expect.stringContaining('TRUSTED_PROXIES')]);
    expect(problems[0]).toContain('"ingress", "10.0.0.0/33"');
  });

  it('takes CORS_ORIGINS as browser origins only, saying what the origin is', () => {
    expect(loadConfig({ CORS_ORIGINS: 'https://shop.example.com, http://localhost:3000' }).corsOrigins).toEqual(['https://shop.example.com', 'http://localhost:3000']);
    expect(problemsOf({ CORS_ORIGINS: 'https://shop.example.com/' })).toEqual([expect.stringContaining('the origin is "https://shop.example.com"')]);
    expect(problemsOf({ CORS_ORIGINS: '*' }).join()).toContain('CORS_ORIGINS');
    expect(problemsOf({ CORS_ORIGINS: 'shop.example.com' }).join()).toContain('CORS_ORIGINS');
  });

  it('takes an OPERATIONS_PORT other than PORT, and none by default', () => {
    expect(loadConfig({}).operationsPort).toBeNull();
    expect(loadConfig({ OPERATIONS_PORT: '' }).operationsPort).toBeNull();
    expect(loadConfig({ OPERATIONS_PORT: '9464' }).operationsPort).toBe(9464);
    expect(loadConfig({ PORT: '0', OPERATIONS_PORT: '0' }).operationsPort).toBe(0);
    expect(problemsOf({ PORT: '8080', OPERATIONS_PORT: '8080' })).toEqual(['OPERATIONS_PORT must differ from PORT (both 8080).']);
  });

  it('refuses a SHUTDOWN_DELAY_MS that leaves less than 5 s of SHUTDOWN_TIMEOUT_MS', () => {
    expect(problemsOf({ SHUTDOWN_DELAY_MS: '40000' })).toEqual([expect.stringMatching(/SHUTDOWN_DELAY_MS \(40000\).*SHUTDOWN_TIMEOUT_MS \(25000\)/)]);
    expect(loadConfig({ SHUTDOWN_DELAY_MS: '40000', SHUTDOWN_TIMEOUT_MS: '60000' })).toMatchObject({ shutdownDelayMs: 40_000, shutdownTimeoutMs: 60_000 });
    expect(loadConfig({}).shutdownTimeoutMs).toBe(25_000);
  });

  it('exits 2 naming HOST or PORT when the gateway cannot listen there', async () => {
    const host = await startMain({ HOST: 'not-a-host.invalid' });
    expect(host.code).toBe(2);
    expect(host.stderr).toMatch(/HOST "not-a-host\.invalid" does not resolve/);
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const port = (taken.address() as net.AddressInfo).port;
      const busy = await startMain({ PORT: String(port) });
      expect(busy.code).toBe(2);
      expect(busy.stderr).toContain(`PORT ${port} is already in use`);
      const operations = await startMain({ PORT: '0', OPERATIONS_PORT: String(port) });
      expect(operations.code).toBe(2);
      expect(operations.stderr).toContain(`OPERATIONS_PORT ${port} is already in use`);
    } finally {
      taken.close();
    }
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
      // Read only when there is a keys file to read again.
      if (name === 'API_KEYS_RELOAD_MS') base['API_KEYS_FILE'] = 'keys.json';
      // The delay must leave 5 s of the shutdown's timeout: its whole range fits in the longest timeout.
      if (name === 'SHUTDOWN_DELAY_MS') base['SHUTDOWN_TIMEOUT_MS'] = '3600000';
      const problems = (value: number | string) => problemsOf({ ...base, [name]: String(value) });
      expect(problems(min), `${name}=${min}`).toEqual([]);
      expect(problems(max), `${name}=${max}`).toEqual([]);
      expect(problems(max + 1).join('\n'), `${name}=${max + 1}`).toContain(name);
      expect(problems(min > 0 ? min - 1 : '-1').join('\n'), `${name} below ${min}`).toContain(name);
    }
  });
});
