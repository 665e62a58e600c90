/**
 * The real gateway as its own process for the chaos and overload runs:
 * `src/main.ts` with NODE_ENV=production against the given services, budgets
 * no run can exhaust, the bench API key registered the production way, and a
 * signed token for the bench user.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { SERVICE_NAMES, type ServiceName } from '../../clients/errors.js';
import { hashApiKey } from '../../src/auth/api-keys.js';
import { URL_VARIABLES } from '../../src/config.js';
import { freePort, spawnNode, stopProcess, waitForHttp, type NodeProcess } from '../processes.js';
import { BENCH_API_KEY, BENCH_TIER, BENCH_USER } from '../scenarios.js';

const UNLIMITED = { capacity: 1e12, restorePerSecond: 1e9, dailyQuota: 1e12 };
const UNLIMITED_TIERS = { tiers: { free: UNLIMITED, pro: UNLIMITED, enterprise: UNLIMITED } };

/**
 * The `OVERLOAD_*` variables of this run's environment, for the gateway under
 * test: `OVERLOAD_EDGE_THREAD=on npm run chaos` or `OVERLOAD_MAX_IN_FLIGHT=16
 * npm run bench:overload` try other settings; by default, the gateway's own.
 */
export function overloadSettingsFromEnv(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[0].startsWith('OVERLOAD_') && entry[1] !== undefined));
}

export interface GatewayUnderTest {
  url: string;
  process: NodeProcess;
  /** The bench user's bearer token. */
  token: string;
  /** Resolves with the exit code once the process ends. */
  exited: Promise<number | null>;
  /** SIGTERM (if still running) and removes the configuration files. */
  stop(): Promise<void>;
}

export interface GatewayProcessOptions {
  /** `src/main.ts` under tsx (the default), or `scripts/start.mjs`: the compiled build `npm start` runs. */
  script?: string;
  /** Pin the gateway to these CPUs (`taskset -c`). */
  cpus?: string;
  /** Node flags before the script (`--cpu-prof`, which NODE_OPTIONS refuses). */
  flags?: string[];
}

/** What a gateway under test runs with: its environment, the bench user's token, and the directory of its files. */
export interface GatewayUnderTestSetup {
  env: Record<string, string>;
  token: string;
  /** Holds the rate-limits and API-key files; remove it when done. */
  dir: string;
}

/**
 * The environment of a gateway under test: the given upstreams, production
 * mode, a fresh JWT secret (and the bench user's token signed with it),
 * budgets too large to ever throttle, the bench partner's API key, trusted
 * documents off and warn-level logs; `env` overrides any of it.
 */
export async function gatewayUnderTestSetup(urls: Record<ServiceName, string>, env: Record<string, string>): Promise<GatewayUnderTestSetup> {
  const dir = mkdtempSync(join(tmpdir(), 'bff-gateway-run-'));
  const jwtSecret = randomBytes(32).toString('hex');
  const rateLimitsFile = join(dir, 'rate-limits.json');
  writeFileSync(rateLimitsFile, JSON.stringify({ mobile: UNLIMITED_TIERS, web: UNLIMITED_TIERS, public: UNLIMITED_TIERS }));
  const apiKeysFile = join(dir, 'api-keys.json');
  writeFileSync(apiKeysFile, JSON.stringify([{ consumer: 'bench-partner', tier: BENCH_TIER, scopes: ['catalog:read'], sha256: hashApiKey(BENCH_API_KEY) }]));
  const token = await new SignJWT({ tier: BENCH_TIER })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(BENCH_USER)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(jwtSecret));
  return {
    dir,
    token,
    env: {
      ...Object.fromEntries(SERVICE_NAMES.map((service) => [URL_VARIABLES[service], urls[service]])),
      HOST: '127.0.0.1',
      NODE_ENV: 'production',
      JWT_SECRET: jwtSecret,
      API_KEYS_FILE: apiKeysFile,
      RATE_LIMITS_FILE: rateLimitsFile,
      // The runs send the contract's full query text, the path every document takes the first time.
      TRUSTED_DOCUMENTS: 'mobile=off,web=off',
      LOG_LEVEL: 'warn',
      ...env,
    },
  };
}

export async function startGatewayUnderTest(
  urls: Record<ServiceName, string>,
  env: Record<string, string>,
  options: GatewayProcessOptions = {},
): Promise<GatewayUnderTest> {
  const { dir, token, env: gatewayEnv } = await gatewayUnderTestSetup(urls, env);
  const port = await freePort();
  const proc = spawnNode(
    options.script ?? 'src/main.ts',
    { PORT: String(port), ...gatewayEnv },
    { tailStdout: true, ...(options.cpus === undefined ? {} : { cpus: options.cpus }), ...(options.flags ? { flags: options.flags } : {}) },
  );
  const exited = new Promise<number | null>((resolve) => proc.child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/healthz`, proc);
  return {
    url,
    process: proc,
    token,
    exited,
    async stop() {
      if (proc.child.exitCode === null && proc.child.signalCode === null) await stopProcess(proc);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
