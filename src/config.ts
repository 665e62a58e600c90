import { SERVICE_NAMES, type ServiceName } from '../clients/errors.js';
import { AUDIENCES, type Audience } from './context.js';

/** A development-only HS256 secret, used (and said so in the log) when no key is configured outside production. */
export const DEV_JWT_SECRET = 'dev-only-insecure-jwt-secret-do-not-use-in-production';

export type JwtConfig =
  | { kind: 'secret'; secret: string; isDevSecret: boolean; issuer?: string; audience?: string }
  | { kind: 'jwks'; url: string; issuer?: string; audience?: string };

/** The gateway's whole configuration, read once from the environment. */
export interface Config {
  production: boolean;
  port: number;
  host: string;
  audiences: Audience[];
  /** Base URL per service, or null: start the embedded demo services. */
  upstreams: Record<ServiceName, string> | null;
  upstreamTimeoutMs: number;
  jwt: JwtConfig;
  /** JSON file of hashed API keys, or null: the documented demo keys (development only). */
  apiKeysFile: string | null;
  redisUrl: string | null;
  /** Largest request body accepted, in bytes (413 above). */
  maxBodyBytes: number;
  /** Peers whose `X-Forwarded-For` is believed (exact addresses). */
  trustedProxies: string[];
  /** Origins allowed by CORS; empty: no cross-origin browser access. */
  corsOrigins: string[];
  /** Parser token limit per document (GRAPHQL_PARSE_FAILED above). */
  maxTokens: number;
  logLevel: string;
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

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const MIN_HS256_SECRET_LENGTH = 32;

type Env = Readonly<Record<string, string | undefined>>;

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
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
    if (!isHttpUrl(value)) problems.push(`${URL_VARIABLES[service]} must be an http(s) URL (got "${value}").`);
    urls[service] = value.replace(/\/+$/, '');
  }
  return urls;
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
    if (!isHttpUrl(jwksUrl)) problems.push(`JWT_JWKS_URL must be an http(s) URL (got "${jwksUrl}").`);
    return { kind: 'jwks', url: jwksUrl, ...claims };
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

  const logLevel = env['LOG_LEVEL'] ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}.`);

  const apiKeysFile = env['API_KEYS_FILE'] || null;
  if (production && !apiKeysFile && audiences.includes('public')) {
    problems.push('NODE_ENV=production serving the public audience needs API_KEYS_FILE.');
  }
  const redisUrl = env['REDIS_URL'] || null;
  if (redisUrl && !/^rediss?:\/\//.test(redisUrl)) problems.push(`REDIS_URL must start with redis:// or rediss://.`);

  const config: Config = {
    production,
    port: integer(env, 'PORT', 4000, 0, 65535, problems),
    host: env['HOST'] || (production ? '0.0.0.0' : '127.0.0.1'),
    audiences,
    upstreams: readUpstreams(env, problems),
    upstreamTimeoutMs: integer(env, 'UPSTREAM_TIMEOUT_MS', 5000, 50, 60_000, problems),
    jwt: readJwt(env, production, problems),
    apiKeysFile,
    redisUrl,
    maxBodyBytes: integer(env, 'MAX_BODY_BYTES', 100_000, 1_000, 10_000_000, problems),
    trustedProxies: list(env['TRUSTED_PROXIES']),
    corsOrigins: list(env['CORS_ORIGINS']),
    maxTokens: integer(env, 'MAX_QUERY_TOKENS', 2_000, 50, 100_000, problems),
    logLevel,
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
