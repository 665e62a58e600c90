import { isIP } from 'node:net';
import type { EgressProxy } from '../clients/egress-proxy.js';
import { SERVICE_NAMES, type ServiceName } from '../clients/errors.js';
import { DEFAULT_CONNECTION_MAX_AGE_MS, DEFAULT_MAX_RESPONSE_BYTES } from '../clients/http-types.js';
import { parseAddressOrRange } from '../clients/net-address.js';
import { DEFAULT_COMPRESSION, type CompressionSettings } from './http/compression.js';
import { AUDIENCES, type Audience } from './context.js';
import { DEFAULT_LOG_BUFFER_BYTES } from './logger.js';
import {
  DEFAULT_SERVICE_NAME,
  OTLP_PROTOCOLS,
  parseKeyValueList,
  SAMPLERS,
  SHUTDOWN_FLUSH_MS,
  tracesUrlFrom,
  type TracingConfig,
} from './observability/tracing/settings.js';
import { defaultTrustedDocumentsMode, isFirstParty, TRUSTED_DOCUMENTS_MODES, type TrustedDocumentsMode } from './persisted/mode.js';

/** A development-only HS256 secret, used (and said so in the log) when no key is configured outside production. */
export const DEV_JWT_SECRET = 'dev-only-insecure-jwt-secret-do-not-use-in-production';

export type JwtConfig =
  | { kind: 'secret'; secret: string; isDevSecret: boolean; issuer?: string; audience?: string }
  | {
      kind: 'jwks';
      url: string;
      /** Least time between two JWKS fetches caused by unknown `kid`s (`JWT_JWKS_COOLDOWN_MS`). */
      cooldownMs: number;
      /** Deadline of one JWKS fetch; past it the token is answered 503 (`JWT_JWKS_TIMEOUT_MS`). */
      timeoutMs: number;
      /** How long a fetched JWKS is used before it is fetched again in the background (`JWT_JWKS_MAX_AGE_MS`); kept past it while that fails. */
      maxAgeMs: number;
      issuer?: string;
      audience?: string;
    };

/** The gateway's whole configuration, read once from the environment. */
export interface Config {
  production: boolean;
  port: number;
  /**
   * `OPERATIONS_PORT`: a second listener (on `host`) for `/healthz`, `/readyz` and `/metrics`; the public port then
   * keeps the probes but not `/metrics` nor the verbose status. Null: everything on `port`. 0: a free port.
   */
  operationsPort: number | null;
  host: string;
  audiences: Audience[];
  /** Audiences whose endpoint opens a GraphiQL playground in a browser (`PLAYGROUND`). */
  playground: Audience[];
  /** Base URL per service, or null: start the embedded demo services. */
  upstreams: Record<ServiceName, string> | null;
  upstreamTimeoutMs: number;
  /** Largest upstream response body, in bytes; a larger one is cut off as malformed (`UPSTREAM_BAD_RESPONSE`). */
  upstreamMaxResponseBytes: number;
  /** An upstream connection older than this is replaced after its current request (`UPSTREAM_CONNECTION_MAX_AGE_MS`); 0: never. */
  upstreamConnectionMaxAgeMs: number;
  /**
   * `HTTP_PROXY` / `HTTPS_PROXY` / `NO_PROXY` for upstream calls, read when
   * `NODE_USE_ENV_PROXY=1` (Node's own switch for them); null: every call direct.
   */
  egressProxy: EgressProxy | null;
  /** Proxy variables set while `NODE_USE_ENV_PROXY` is not 1: unused, and the start-up log says so. */
  egressProxyIgnored: string[];
  /** Consecutive upstream failures (5xx, connection errors, timeouts) that open a service's circuit. */
  circuitFailureThreshold: number;
  /** How long an open circuit fails fast before one probe call is let through. */
  circuitCooldownMs: number;
  /** Time a client has to send its request headers before the socket is closed (slow-loris). */
  headersTimeoutMs: number;
  /** How long an idle keep-alive connection from a client stays open (`KEEP_ALIVE_TIMEOUT_MS`). */
  keepAliveTimeoutMs: number;
  jwt: JwtConfig;
  /** JSON file of hashed API keys, or null: the documented demo keys (development only). */
  apiKeysFile: string | null;
  /** How often `API_KEYS_FILE` is read again for changes (`API_KEYS_RELOAD_MS`); 0: only on SIGHUP. */
  apiKeysReloadMs: number;
  redisUrl: string | null;
  /** Put before every key the gateway writes in Redis (`REDIS_KEY_PREFIX`), so deployments can share one; '' without. */
  redisKeyPrefix: string;
  /** Largest request body accepted, in bytes (413 above). */
  maxBodyBytes: number;
  /** Peers whose `X-Forwarded-For` is believed (exact addresses). */
  trustedProxies: string[];
  /** Origins allowed by CORS; empty: no cross-origin browser access. */
  corsOrigins: string[];
  /** Parser token limit per document (GRAPHQL_PARSE_FAILED above). */
  maxTokens: number;
  /** Query shape limits checked with validation, before cost (GRAPHQL_VALIDATION_FAILED above). */
  shapeLimits: { maxDepth: number; maxAliases: number; maxDirectives: number };
  /** JSON file overriding the default rate limits per audience and tier, or null. */
  rateLimitsFile: string | null;
  /** What each audience does with documents outside its app's manifest (`TRUSTED_DOCUMENTS`); always `off` for public. */
  trustedDocuments: Record<Audience, TrustedDocumentsMode>;
  /** What runs validated operations (`GRAPHQL_EXECUTOR`): graphql-jit compiled plans, or graphql-js for every document. */
  executor: 'jit' | 'graphql-js';
  /** Compiled operation plans kept per audience (`PLAN_CACHE_SIZE`), least recently used dropped beyond it. */
  planCacheSize: number;
  /**
   * After SIGTERM, how long `/readyz` answers 503 while requests are still
   * served, so load balancers stop sending before the listener closes (`SHUTDOWN_DELAY_MS`).
   */
  shutdownDelayMs: number;
  /** The whole shutdown, from the signal to the exit (`SHUTDOWN_TIMEOUT_MS`): each step is bounded by what is left of it. */
  shutdownTimeoutMs: number;
  overload: OverloadConfig;
  /** How GraphQL answers are gzip-compressed for clients that accept it (`RESPONSE_COMPRESSION*`), or null: never. */
  compression: CompressionSettings | null;
  logLevel: string;
  /** Log text held while stdout does not take it (`LOG_BUFFER_BYTES`); lines past it are dropped and counted. */
  logBufferBytes: number;
  /** OpenTelemetry tracing, or null: off (no OTLP endpoint set, or `OTEL_SDK_DISABLED=true`). */
  tracing: TracingConfig | null;
}

/** When new GraphQL requests are refused with 503 `OVERLOADED` at the edge; `0` turns a limit off. */
export interface OverloadConfig {
  /** Event-loop delay (p99 over a sampling window, in ms) that, held for two windows, starts shedding (`OVERLOAD_MAX_EVENT_LOOP_DELAY_MS`). */
  maxEventLoopDelayMs: number;
  /** GraphQL requests in progress in this process beyond which new ones are refused (`OVERLOAD_MAX_IN_FLIGHT`): the hard cap. */
  maxInFlight: number;
  /**
   * Event-loop delay (p99 of a window, ms) the adaptive in-flight limit steers
   * to (`OVERLOAD_TARGET_EVENT_LOOP_DELAY_MS`): over it the limit shrinks,
   * under it the limit grows back to `maxInFlight`. `0`: the limit stays at
   * `maxInFlight`.
   */
  targetEventLoopDelayMs: number;
  /** The `Retry-After` of a refusal, in seconds (`OVERLOAD_RETRY_AFTER_SECONDS`). */
  retryAfterSeconds: number;
  /** A worker thread owns the public port and refuses over-limit requests itself (`OVERLOAD_EDGE_THREAD=on`; src/http/edge-thread.ts). */
  edgeThread: boolean;
  /**
   * With the edge thread: added to the nice value of every thread of the
   * process but the edge thread's once it listens (`OVERLOAD_MAIN_THREAD_NICE`,
   * Linux), so that where they share a core the kernel runs the edge thread
   * as soon as a request arrives; 0 leaves them. `auto`: 10 where the process
   * may run on one CPU only, else 0 (src/http/edge-thread.ts, `mainThreadNiceFor`).
   */
  mainThreadNice: number | 'auto';
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n- ${problems.join('\n- ')}`);
  }
}

export const URL_VARIABLES: Record<ServiceName, string> = {
  users: 'USERS_URL',
  orders: 'ORDERS_URL',
  products: 'PRODUCTS_URL',
  inventory: 'INVENTORY_URL',
  reviews: 'REVIEWS_URL',
  pricing: 'PRICING_URL',
  notifications: 'NOTIFICATIONS_URL',
};

/** Checked with `npm run bench:overload` (BENCHMARKS.md, "Overload"). */
export const DEFAULT_OVERLOAD: OverloadConfig = { maxEventLoopDelayMs: 200, maxInFlight: 64, targetEventLoopDelayMs: 30, retryAfterSeconds: 1, edgeThread: true, mainThreadNice: 'auto' };

/** The least drain a shutdown gives in-flight requests, and the time kept at its end for closing clients and Redis. */
export const SHUTDOWN_MIN_DRAIN_MS = 1_000;
export const SHUTDOWN_CLOSE_MS = 1_000;
/** What a shutdown needs after `SHUTDOWN_DELAY_MS`: the least drain, the last spans' export, the closes (5 s). */
export const SHUTDOWN_AFTER_DELAY_MS = SHUTDOWN_MIN_DRAIN_MS + SHUTDOWN_FLUSH_MS + SHUTDOWN_CLOSE_MS;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const MIN_HS256_SECRET_LENGTH = 32;

type Env = Readonly<Record<string, string | undefined>>;

function onOff(env: Env, name: string, fallback: boolean, problems: string[]): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'on' || raw === 'off') return raw === 'on';
  problems.push(`${name} must be on or off (got "${env[name]}").`);
  return fallback;
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * A URL as a message may show it: no user, password, query or fragment
 * (any of them may hold a credential). What does not parse keeps only what
 * comes before its first `?` or `#`, with any `user:password@` blanked.
 */
export function displayUrl(value: string): string {
  // Anything before the last '@' may be a password, with any character in it ('/' in a base64 one).
  const masked = () => {
    const at = value.lastIndexOf('@');
    const rest = at < 0 ? value : `${/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(value)?.[0] ?? ''}…@${value.slice(at + 1)}`;
    return rest.replace(/[?#].*$/s, '');
  };
  try {
    const url = new URL(value);
    // An '@' that is not the end of credentials: an unencoded '/', '?' or '#' in a password that begins with digits
    // ('user:1234/pw@host' parses as host "user", port 1234, path "/pw@host") would otherwise be shown.
    if (value.includes('@') && url.username === '' && url.password === '') return masked();
    url.username = '';
    url.password = '';
    url.search = '';
    url.hash = '';
    return url.href;
  } catch {
    return masked();
  }
}

/** `value` as the URL parser reads it when it is an http(s) URL (spaces around it and a trailing newline gone), else null. */
function httpUrl(value: string): URL | null {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : null;
  } catch {
    return null;
  }
}

function isHttpUrl(value: string): boolean {
  return httpUrl(value) !== null;
}

/** `HOST`: an IP address or a host name (resolved when the gateway listens). */
function readHost(env: Env, production: boolean, problems: string[]): string {
  const raw = env['HOST'];
  if (raw === undefined || raw === '') return production ? '0.0.0.0' : '127.0.0.1';
  const host = raw.trim();
  const hostName = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;
  if (isIP(host) === 0 && !hostName.test(host)) {
    problems.push(`HOST must be an IP address (0.0.0.0 for every interface, :: for IPv6 too) or a host name (got "${raw}").`);
  }
  return host;
}

/** `TRUSTED_PROXIES`: addresses and CIDR ranges (`10.0.0.0/8`, `fd00::/8`), as an ingress or load balancer has them. */
function readTrustedProxies(env: Env, problems: string[]): string[] {
  const entries = list(env['TRUSTED_PROXIES']);
  const bad = entries.filter((entry) => parseAddressOrRange(entry) === null);
  if (bad.length > 0) {
    problems.push(`TRUSTED_PROXIES entries are IP addresses or CIDR ranges such as 10.0.0.0/8 (got ${bad.map((b) => `"${b}"`).join(', ')}).`);
  }
  return entries;
}

/** `CORS_ORIGINS`: origins exactly as a browser sends them (`https://shop.example.com`, no path, no trailing slash). */
function readCorsOrigins(env: Env, problems: string[]): string[] {
  const entries = list(env['CORS_ORIGINS']);
  for (const entry of entries) {
    let origin: string | undefined;
    try {
      const url = new URL(entry);
      if (url.protocol === 'http:' || url.protocol === 'https:') origin = url.origin;
    } catch {
      origin = undefined;
    }
    if (origin !== entry) {
      const hint = origin ? `; the origin is "${origin}"` : entry === '*' ? '; list each origin: any origin is never allowed' : '';
      problems.push(`CORS_ORIGINS entries are browser origins, scheme://host[:port] (got "${entry}"${hint}).`);
    }
  }
  return entries;
}

/** What is wrong with a `REDIS_URL`, or null: `redis[s]://[[user]:password@]host[:port][/db]`, as the Redis client reads it. */
function redisUrlProblem(value: string): string | null {
  const form = 'must be redis[s]://[[user]:password@]host[:port][/db]';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${form}, with a numeric port and any / ? # @ or % in the password percent-encoded`;
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') return 'must start with redis:// or rediss://';
  if (url.hostname === '') return `${form}: the host is missing`;
  if (url.hash !== '' || value.includes('#')) return `${form}: percent-encode a # in the password as %23`;
  if (!/^\/?(\d+)?$/.test(url.pathname)) return `${form}: the path is a database number`;
  try {
    decodeURIComponent(url.username);
    decodeURIComponent(url.password);
  } catch {
    return `${form}: the password has a % that is not percent-encoding (write it as %25)`;
  }
  return null;
}

/** `OVERLOAD_MAIN_THREAD_NICE`: `auto` (the default) or a nice increment from 0 to 19. */
function niceSetting(env: Env, problems: string[]): number | 'auto' {
  const raw = env['OVERLOAD_MAIN_THREAD_NICE']?.trim().toLowerCase();
  if (raw === undefined || raw === '' || raw === 'auto') return 'auto';
  if (/^\d+$/.test(raw) && Number(raw) <= 19) return Number(raw);
  problems.push(`OVERLOAD_MAIN_THREAD_NICE must be auto or an integer from 0 to 19 (got "${env['OVERLOAD_MAIN_THREAD_NICE']}").`);
  return DEFAULT_OVERLOAD.mainThreadNice;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number, problems: string[]): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    problems.push(`${name} must be an integer from ${min} to ${max} (got "${raw}").`);
    return fallback;
  }
  return value;
}

/** `RESPONSE_COMPRESSION` on (the default) or off; its two settings are read only when it is on. */
function readCompression(env: Env, problems: string[]): CompressionSettings | null {
  if (!onOff(env, 'RESPONSE_COMPRESSION', true, problems)) return null;
  return {
    minBytes: integer(env, 'RESPONSE_COMPRESSION_MIN_BYTES', DEFAULT_COMPRESSION.minBytes, 0, 10_000_000, problems),
    level: integer(env, 'RESPONSE_COMPRESSION_LEVEL', DEFAULT_COMPRESSION.level, 1, 9, problems),
  };
}

function readUpstreams(env: Env, problems: string[]): Record<ServiceName, string> | null {
  const set = SERVICE_NAMES.filter((s) => env[URL_VARIABLES[s]]);
  if (set.length === 0) return null;
  const missing = SERVICE_NAMES.filter((s) => !env[URL_VARIABLES[s]]).map((s) => URL_VARIABLES[s]);
  if (missing.length > 0) {
    problems.push(`Upstream URLs are all-or-none: missing ${missing.join(', ')} (set all seven, or none for the demo services).`);
    return null;
  }
  const urls = {} as Record<ServiceName, string>;
  for (const service of SERVICE_NAMES) {
    const value = env[URL_VARIABLES[service]] ?? '';
    const url = httpUrl(value);
    if (!url) problems.push(`${URL_VARIABLES[service]} must be an http(s) URL (got "${displayUrl(value)}").`);
    else if (url.username !== '' || url.password !== '') {
      // The transport sends no credentials it finds in a URL: every call would go without them.
      problems.push(`${URL_VARIABLES[service]} must not hold a user or password: the gateway sends no credentials upstream (got "${displayUrl(value)}").`);
    } else if (url.search !== '' || url.hash !== '' || /[?#]/.test(value)) {
      // Paths are appended to the base URL: '?tenant=a' would become '?tenant=a/products?ids=…', another query.
      problems.push(`${URL_VARIABLES[service]} must be a base URL, scheme://host[:port][/path], without a query or fragment (got "${displayUrl(value)}").`);
    }
    // As the URL parser read it for the check: without the spaces around it or the newline a secret file leaves
    // at its end, which the transport would otherwise send as part of every request target.
    urls[service] = (url?.href ?? value).replace(/\/+$/, '');
  }
  return urls;
}

/** The first of `names` set (not empty) in `env`, with its name. */
function firstSet(env: Env, names: readonly string[]): { name: string; value: string } | null {
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) return { name, value };
  }
  return null;
}

/**
 * `NODE_USE_ENV_PROXY=1` (the switch Node 24 reads for its own fetch and
 * http): upstream calls go through `HTTP_PROXY` / `HTTPS_PROXY` (lower case
 * first, as curl and undici read them) except for the hosts `NO_PROXY`
 * names. Unset or 0, the proxy variables are not used, as before.
 */
function readEgressProxy(env: Env, problems: string[]): { proxy: EgressProxy | null; ignored: string[] } {
  const http = firstSet(env, ['http_proxy', 'HTTP_PROXY']);
  const https = firstSet(env, ['https_proxy', 'HTTPS_PROXY']);
  const switchValue = env['NODE_USE_ENV_PROXY']?.trim() ?? '';
  if (switchValue !== '' && switchValue !== '0' && switchValue !== '1') {
    problems.push(`NODE_USE_ENV_PROXY must be 1 (use HTTP_PROXY, HTTPS_PROXY and NO_PROXY) or 0 (got "${env['NODE_USE_ENV_PROXY']}").`);
  }
  if (switchValue !== '1') return { proxy: null, ignored: [http, https].flatMap((v) => (v ? [v.name] : [])) };
  const proxyUrl = (setting: { name: string; value: string } | null): string | null => {
    if (!setting) return null;
    const url = httpUrl(setting.value);
    if (!url || url.hostname === '' || (url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') {
      problems.push(`${setting.name} must be a proxy's http(s)://[user:password@]host:port (got "${displayUrl(setting.value)}").`);
      return null;
    }
    return url.href;
  };
  const httpProxy = proxyUrl(http);
  const httpsProxy = proxyUrl(https);
  if (httpProxy === null && httpsProxy === null) return { proxy: null, ignored: [] };
  const noProxySetting = firstSet(env, ['no_proxy', 'NO_PROXY']);
  const noProxy = (noProxySetting?.value ?? '').split(/[\s,]+/).filter(Boolean);
  // A range it cannot read (`10.0.0.0/33`) made every upstream call fail, as the first one chose its route.
  const badRanges = noProxy.filter((entry) => entry.includes('/') && parseAddressOrRange(entry) === null);
  if (badRanges.length > 0) problems.push(`${noProxySetting!.name} holds what is not an address/prefix range (got "${badRanges.join(', ')}").`);
  return { proxy: { httpProxy, httpsProxy, noProxy }, ignored: [] };
}

/** `PLAYGROUND`: a comma list of audiences or `none`; by default all in development, only the public catalog in production. */
function readPlayground(env: Env, production: boolean, problems: string[]): Audience[] {
  const names = list(env['PLAYGROUND']);
  if (names.length === 0) return production ? ['public'] : [...AUDIENCES];
  if (names.length === 1 && names[0] === 'none') return [];
  const unknown = names.filter((a) => !(AUDIENCES as readonly string[]).includes(a));
  if (unknown.length > 0) {
    problems.push(`PLAYGROUND has unknown values: ${unknown.join(', ')} (known: ${AUDIENCES.join(', ')}, or none).`);
  }
  return AUDIENCES.filter((a) => names.includes(a));
}

/** `TRUSTED_DOCUMENTS`: `audience=mode` pairs, e.g. `mobile=required,web=allow-listed`; unnamed audiences keep their default. */
function readTrustedDocuments(env: Env, production: boolean, problems: string[]): Record<Audience, TrustedDocumentsMode> {
  const modes = Object.fromEntries(AUDIENCES.map((a) => [a, defaultTrustedDocumentsMode(a, production)])) as Record<Audience, TrustedDocumentsMode>;
  for (const entry of list(env['TRUSTED_DOCUMENTS'])) {
    const [name = '', mode = ''] = entry.split('=').map((s) => s.trim());
    const audience = AUDIENCES.find((a) => a === name);
    const known = TRUSTED_DOCUMENTS_MODES.find((m) => m === mode);
    if (!audience || !known) {
      problems.push(`TRUSTED_DOCUMENTS entries are audience=mode with mode ${TRUSTED_DOCUMENTS_MODES.join(', ')} (got "${entry}").`);
    } else if (!isFirstParty(audience) && known !== 'off') {
      problems.push(`TRUSTED_DOCUMENTS: ${audience} serves partners' own queries and has no trusted documents (only ${audience}=off).`);
    } else {
      modes[audience] = known;
    }
  }
  return modes;
}

function readJwt(env: Env, production: boolean, problems: string[]): JwtConfig {
  const claims = {
    ...(env['JWT_ISSUER'] ? { issuer: env['JWT_ISSUER'] } : {}),
    ...(env['JWT_AUDIENCE'] ? { audience: env['JWT_AUDIENCE'] } : {}),
  };
  const secret = env['JWT_SECRET'];
  const jwksUrl = env['JWT_JWKS_URL'];
  if (secret && jwksUrl) problems.push('Set JWT_SECRET or JWT_JWKS_URL, not both.');
  if (jwksUrl) {
    const url = httpUrl(jwksUrl);
    if (!url) problems.push(`JWT_JWKS_URL must be an http(s) URL (got "${displayUrl(jwksUrl)}").`);
    else if (url.username || url.password) {
      // fetch refuses a URL holding credentials: no token could ever be checked. A JWKS is public by design.
      problems.push(`JWT_JWKS_URL must not hold a user or password: fetch refuses such a URL, and a key set is public (got "${displayUrl(jwksUrl)}").`);
    }
    return {
      kind: 'jwks',
      // As the URL parser read it for the check (no spaces around it, no newline a secret file leaves at its end).
      url: url?.href ?? jwksUrl,
      cooldownMs: integer(env, 'JWT_JWKS_COOLDOWN_MS', 30_000, 0, 3_600_000, problems),
      timeoutMs: integer(env, 'JWT_JWKS_TIMEOUT_MS', 2_000, 50, 30_000, problems),
      maxAgeMs: integer(env, 'JWT_JWKS_MAX_AGE_MS', 600_000, 1_000, 86_400_000, problems),
      ...claims,
    };
  }
  if (secret) {
    if (secret.length < MIN_HS256_SECRET_LENGTH) {
      problems.push(`JWT_SECRET must be at least ${MIN_HS256_SECRET_LENGTH} characters (HS256 needs a 256-bit key).`);
    }
    return { kind: 'secret', secret, isDevSecret: false, ...claims };
  }
  if (production) problems.push('NODE_ENV=production needs JWT_SECRET or JWT_JWKS_URL.');
  return { kind: 'secret', secret: DEV_JWT_SECRET, isDevSecret: true, ...claims };
}

function keyValues(env: Env, names: readonly string[], problems: string[]): Record<string, string> {
  const merged: Record<string, string> = {};
  for (const name of names) {
    const raw = env[name];
    if (!raw) continue;
    const parsed = parseKeyValueList(raw);
    if (parsed) Object.assign(merged, parsed);
    else problems.push(`${name} must be a comma list of key=value pairs (values percent-encoded).`);
  }
  return merged;
}

/**
 * The OpenTelemetry variables, as the specification defines them (only the
 * OTLP/HTTP exporter: gRPC is not supported). Tracing is on when an OTLP
 * endpoint is set (unless `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none`);
 * signal-specific variables win over the general ones.
 */
function readTracing(env: Env, problems: string[]): TracingConfig | null {
  const tracesUrl = tracesUrlFrom(env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'], env['OTEL_EXPORTER_OTLP_ENDPOINT']);
  const disabled = env['OTEL_SDK_DISABLED']?.trim().toLowerCase();
  if (tracesUrl === undefined || disabled === 'true') return null;
  // The exporter selection: `none` keeps this service's traces out where the OTLP endpoint is set for every service.
  const exporter = env['OTEL_TRACES_EXPORTER']?.trim() ?? '';
  if (exporter === 'none') return null;
  if (exporter !== '' && exporter !== 'otlp') problems.push(`OTEL_TRACES_EXPORTER must be otlp or none (got "${env['OTEL_TRACES_EXPORTER']}"; traces are exported over OTLP only).`);
  if (!isHttpUrl(tracesUrl)) problems.push(`OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT must be an http(s) URL (got "${displayUrl(tracesUrl)}").`);
  // The signal-specific variable when it is set, else the general one: the one a problem is reported against.
  const otlpVariable = (setting: string) =>
    env[`OTEL_EXPORTER_OTLP_TRACES_${setting}`] ? `OTEL_EXPORTER_OTLP_TRACES_${setting}` : `OTEL_EXPORTER_OTLP_${setting}`;
  const protocolVariable = otlpVariable('PROTOCOL');
  const rawProtocol = env[protocolVariable] || 'http/protobuf';
  const protocol = OTLP_PROTOCOLS.find((p) => p === rawProtocol);
  if (!protocol) problems.push(`${protocolVariable} must be ${OTLP_PROTOCOLS.join(' or ')} (got "${rawProtocol}"; gRPC is not supported).`);
  const rawSampler = env['OTEL_TRACES_SAMPLER'] || 'parentbased_traceidratio';
  const sampler = SAMPLERS.find((s) => s === rawSampler);
  if (!sampler) problems.push(`OTEL_TRACES_SAMPLER must be one of ${SAMPLERS.join(', ')} (got "${rawSampler}").`);
  const rawRatio = env['OTEL_TRACES_SAMPLER_ARG'];
  // A decimal number, nothing else: Number(' ') is 0, which would sample nothing without a word.
  const ratio = rawRatio === undefined || rawRatio === '' ? 1 : /^\s*(\d+(\.\d*)?|\.\d+)\s*$/.test(rawRatio) ? Number(rawRatio) : Number.NaN;
  if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) problems.push(`OTEL_TRACES_SAMPLER_ARG must be a ratio from 0 to 1 (got "${rawRatio}").`);
  const resourceAttributes = keyValues(env, ['OTEL_RESOURCE_ATTRIBUTES'], problems);
  // OTEL_SERVICE_NAME wins over a service.name in the resource attributes (specification).
  const serviceName = env['OTEL_SERVICE_NAME'] || resourceAttributes['service.name'] || DEFAULT_SERVICE_NAME;
  delete resourceAttributes['service.name'];
  const maxQueueSize = integer(env, 'OTEL_BSP_MAX_QUEUE_SIZE', 2048, 1, 1_000_000, problems);
  const timeoutVariable = otlpVariable('TIMEOUT');
  const compressionVariable = otlpVariable('COMPRESSION');
  const rawCompression = env[compressionVariable] ?? '';
  const compression = rawCompression.trim() === '' ? 'none' : rawCompression.trim();
  if (compression !== 'gzip' && compression !== 'none') problems.push(`${compressionVariable} must be gzip or none (got "${rawCompression}").`);
  return {
    tracesUrl,
    protocol: protocol ?? 'http/protobuf',
    headers: keyValues(env, ['OTEL_EXPORTER_OTLP_HEADERS', 'OTEL_EXPORTER_OTLP_TRACES_HEADERS'], problems),
    timeoutMs: integer(env, timeoutVariable, 10_000, 1, 3_600_000, problems),
    compression: compression === 'gzip' ? 'gzip' : 'none',
    serviceName,
    resourceAttributes,
    sampler: sampler ?? 'parentbased_traceidratio',
    samplerRatio: Number.isFinite(ratio) ? Math.min(1, Math.max(0, ratio)) : 1,
    batch: {
      maxQueueSize,
      // The specification's rule: a batch never larger than the queue.
      maxExportBatchSize: Math.min(maxQueueSize, integer(env, 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 512, 1, 1_000_000, problems)),
      scheduledDelayMs: integer(env, 'OTEL_BSP_SCHEDULE_DELAY', 5000, 1, 3_600_000, problems),
      exportTimeoutMs: integer(env, 'OTEL_BSP_EXPORT_TIMEOUT', 30_000, 1, 3_600_000, problems),
    },
    // The specification: any other value is false, with a warning (logged at start-up).
    ...(disabled === undefined || disabled === '' || disabled === 'false' ? {} : { sdkDisabledIgnored: env['OTEL_SDK_DISABLED']! }),
  };
}

function readExecutor(env: Env, problems: string[]): Config['executor'] {
  const value = env['GRAPHQL_EXECUTOR'] || 'jit';
  if (value === 'jit' || value === 'graphql-js') return value;
  problems.push('GRAPHQL_EXECUTOR must be jit or graphql-js.');
  return 'jit';
}

/**
 * Reads and validates the environment (the only place that does). Collects
 * every problem and throws one ConfigError naming them all.
 */
export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const production = env['NODE_ENV'] === 'production';

  const audienceNames = list(env['AUDIENCES']);
  const unknown = audienceNames.filter((a) => !(AUDIENCES as readonly string[]).includes(a));
  if (unknown.length > 0) problems.push(`AUDIENCES has unknown values: ${unknown.join(', ')} (known: ${AUDIENCES.join(', ')}).`);
  const audiences = audienceNames.length > 0 ? AUDIENCES.filter((a) => audienceNames.includes(a)) : [...AUDIENCES];

  // Empty is unset, as for every other variable (a chart rendering an empty value); the case does not matter.
  const logLevel = env['LOG_LEVEL']?.trim().toLowerCase() || 'info';
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${env['LOG_LEVEL']}").`);

  const apiKeysFile = env['API_KEYS_FILE'] || null;
  if (production && !apiKeysFile && audiences.includes('public')) {
    problems.push('NODE_ENV=production serving the public audience needs API_KEYS_FILE.');
  }
  const redisUrl = env['REDIS_URL'] || null;
  if (redisUrl) {
    const problem = redisUrlProblem(redisUrl);
    if (problem) problems.push(`REDIS_URL ${problem} (got "${displayUrl(redisUrl)}").`);
  }
  // Read only with Redis. No glob characters: an ACL key pattern `~<prefix>*` must match this prefix's keys only.
  const redisKeyPrefix = redisUrl ? (env['REDIS_KEY_PREFIX'] ?? '') : '';
  if (!/^[A-Za-z0-9_.:-]{0,64}$/.test(redisKeyPrefix)) {
    problems.push(`REDIS_KEY_PREFIX must be at most 64 letters, digits and _ . : - (got "${redisKeyPrefix}").`);
  }

  const egressProxy = readEgressProxy(env, problems);
  const config: Config = {
    production,
    port: integer(env, 'PORT', 4000, 0, 65535, problems),
    operationsPort: env['OPERATIONS_PORT']?.trim() ? integer(env, 'OPERATIONS_PORT', 0, 0, 65535, problems) : null,
    host: readHost(env, production, problems),
    audiences,
    playground: readPlayground(env, production, problems),
    upstreams: readUpstreams(env, problems),
    upstreamTimeoutMs: integer(env, 'UPSTREAM_TIMEOUT_MS', 5000, 50, 60_000, problems),
    upstreamMaxResponseBytes: integer(env, 'UPSTREAM_MAX_RESPONSE_BYTES', DEFAULT_MAX_RESPONSE_BYTES, 1_024, 268_435_456, problems),
    upstreamConnectionMaxAgeMs: integer(env, 'UPSTREAM_CONNECTION_MAX_AGE_MS', DEFAULT_CONNECTION_MAX_AGE_MS, 0, 86_400_000, problems),
    egressProxy: egressProxy.proxy,
    egressProxyIgnored: egressProxy.ignored,
    circuitFailureThreshold: integer(env, 'CIRCUIT_FAILURE_THRESHOLD', 5, 1, 1_000, problems),
    circuitCooldownMs: integer(env, 'CIRCUIT_COOLDOWN_MS', 10_000, 10, 3_600_000, problems),
    // Node refuses a headers timeout longer than the request timeout (30 s, src/http/server.ts).
    headersTimeoutMs: integer(env, 'HEADERS_TIMEOUT_MS', 10_000, 100, 30_000, problems),
    keepAliveTimeoutMs: integer(env, 'KEEP_ALIVE_TIMEOUT_MS', 72_000, 1_000, 3_600_000, problems),
    jwt: readJwt(env, production, problems),
    apiKeysFile,
    // Read only when there is a file to read again.
    apiKeysReloadMs: apiKeysFile ? integer(env, 'API_KEYS_RELOAD_MS', 10_000, 0, 3_600_000, problems) : 0,
    redisUrl,
    redisKeyPrefix,
    maxBodyBytes: integer(env, 'MAX_BODY_BYTES', 100_000, 1_000, 10_000_000, problems),
    trustedProxies: readTrustedProxies(env, problems),
    corsOrigins: readCorsOrigins(env, problems),
    maxTokens: integer(env, 'MAX_QUERY_TOKENS', 2_000, 50, 100_000, problems),
    shapeLimits: {
      maxDepth: integer(env, 'MAX_QUERY_DEPTH', 10, 1, 100, problems),
      maxAliases: integer(env, 'MAX_QUERY_ALIASES', 30, 0, 1_000, problems),
      maxDirectives: integer(env, 'MAX_QUERY_DIRECTIVES', 50, 0, 1_000, problems),
    },
    rateLimitsFile: env['RATE_LIMITS_FILE'] || null,
    trustedDocuments: readTrustedDocuments(env, production, problems),
    executor: readExecutor(env, problems),
    planCacheSize: integer(env, 'PLAN_CACHE_SIZE', 500, 10, 100_000, problems),
    // Long enough for a readiness probe every 2 s to fail twice; development stops at once.
    shutdownDelayMs: integer(env, 'SHUTDOWN_DELAY_MS', production ? 5_000 : 0, 0, 60_000, problems),
    // Inside Kubernetes' default 30 s termination grace.
    shutdownTimeoutMs: integer(env, 'SHUTDOWN_TIMEOUT_MS', 25_000, SHUTDOWN_AFTER_DELAY_MS, 3_600_000, problems),
    overload: {
      maxEventLoopDelayMs: integer(env, 'OVERLOAD_MAX_EVENT_LOOP_DELAY_MS', DEFAULT_OVERLOAD.maxEventLoopDelayMs, 0, 60_000, problems),
      maxInFlight: integer(env, 'OVERLOAD_MAX_IN_FLIGHT', DEFAULT_OVERLOAD.maxInFlight, 0, 1_000_000, problems),
      targetEventLoopDelayMs: integer(env, 'OVERLOAD_TARGET_EVENT_LOOP_DELAY_MS', DEFAULT_OVERLOAD.targetEventLoopDelayMs, 0, 60_000, problems),
      retryAfterSeconds: integer(env, 'OVERLOAD_RETRY_AFTER_SECONDS', DEFAULT_OVERLOAD.retryAfterSeconds, 1, 3_600, problems),
      edgeThread: onOff(env, 'OVERLOAD_EDGE_THREAD', DEFAULT_OVERLOAD.edgeThread, problems),
      mainThreadNice: niceSetting(env, problems),
    },
    compression: readCompression(env, problems),
    logLevel,
    logBufferBytes: integer(env, 'LOG_BUFFER_BYTES', DEFAULT_LOG_BUFFER_BYTES, 65_536, 1_073_741_824, problems),
    tracing: readTracing(env, problems),
  };
  if (config.operationsPort !== null && config.operationsPort !== 0 && config.operationsPort === config.port) {
    problems.push(`OPERATIONS_PORT must differ from PORT (both ${config.port}).`);
  }
  if (config.shutdownDelayMs > config.shutdownTimeoutMs - SHUTDOWN_AFTER_DELAY_MS) {
    problems.push(
      `SHUTDOWN_DELAY_MS (${config.shutdownDelayMs}) must leave at least ${SHUTDOWN_AFTER_DELAY_MS} ms of SHUTDOWN_TIMEOUT_MS (${config.shutdownTimeoutMs}) for the drain: lower the delay, or raise SHUTDOWN_TIMEOUT_MS and the orchestrator's termination grace with it.`,
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
