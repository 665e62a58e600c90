/**
 * One benchmark phase's servers, each its own process: the demo services
 * (at one upstream latency), the real gateway (the compiled build `npm start`
 * runs, configured through its environment like any deployment) and the
 * baseline, both pointed at the same services.
 */
import { SERVICE_NAMES, type ServiceName } from '../clients/errors.js';
import { URL_VARIABLES } from '../src/config.js';
import { overloadSettingsFromEnv } from './chaos/gateway.js';
import { freePort, jsonLines, spawnNode, stopProcess, waitForHttp, type NodeProcess } from './processes.js';

export interface StackOptions {
  latencyMs: number;
  /** Upstreams answer `Cache-Control: no-store`: the gateway's response cache keeps nothing. */
  noStore: boolean;
  jwtSecret: string;
  rateLimitsFile: string;
  /**
   * `NODE_ENV=production`, as deployed (it also turns off graphql-js's
   * development-only checks); needs `apiKeysFile`. False: development mode
   * with the built-in demo keys.
   */
  production: boolean;
  apiKeysFile: string;
  /** The gateway from `src/main.ts` under tsx instead of the build `npm start` runs. */
  source: boolean;
  /**
   * Write the gateway's CPU profile into this directory (`--cpu-prof`), or
   * null.
   */
  profileDir: string | null;
  /** Tracing on, every span exported to this OTLP/HTTP endpoint; absent: tracing off (as shipped). */
  otlpEndpoint?: string;
  /**
   * Leave `TRUSTED_DOCUMENTS` unset, so the gateway keeps its default (production: the apps' manifests required),
   * for requests that send the apps' documents by id. False: `mobile=off,web=off`, for full query text.
   */
  trustedDocumentsAsDeployed?: boolean;
}

export interface Stack {
  gatewayUrl: string;
  baselineUrl: string;
  gateway: NodeProcess;
  baseline: NodeProcess;
  /** Zeroes every demo service's request counter. */
  resetUpstreamCalls(): Promise<void>;
  /** Requests the demo services received since the last reset, all services together. */
  upstreamCalls(): Promise<number>;
  /** Stops all three (the gateway drains and exits, writing its profile). */
  stop(): Promise<void>;
}

/** Starts the demo services, then the gateway and the baseline against them; resolves once all answer. */
export async function startStack(options: StackOptions): Promise<Stack> {
  const upstreamsProcess = spawnNode('bench/upstreams.ts', {
    DEMO_LATENCY_MS: String(options.latencyMs),
    ...(options.noStore ? { BENCH_NO_STORE: '1' } : {}),
  });
  const { urls } = (await jsonLines(upstreamsProcess)()) as { urls: Record<ServiceName, string> };
  const urlEnv = Object.fromEntries(SERVICE_NAMES.map((service) => [URL_VARIABLES[service], urls[service]]));

  const port = await freePort();
  // `BENCH_GATEWAY_FLAGS='--heap-growing-percent=50' npm run bench …`: Node or V8 flags that NODE_OPTIONS does not accept.
  const flags = [
    ...(process.env['BENCH_GATEWAY_FLAGS'] ?? '').split(' ').filter(Boolean),
    ...(options.profileDir ? ['--cpu-prof', '--cpu-prof-dir', options.profileDir] : []),
  ];
  // scripts/start.mjs runs dist/main.js in its own process (bench/run.ts built it before the first phase).
  const gateway = spawnNode(
    options.source ? 'src/main.ts' : 'scripts/start.mjs',
    {
      ...urlEnv,
      PORT: String(port),
      HOST: '127.0.0.1',
      JWT_SECRET: options.jwtSecret,
      RATE_LIMITS_FILE: options.rateLimitsFile,
      ...(options.production ? { NODE_ENV: 'production', API_KEYS_FILE: options.apiKeysFile } : {}),
      // Production requires the apps' trusted documents by default; the benchmark sends the contract's
      // full query text, the path every document takes the first time (ignored by a gateway without the knob),
      // unless it sends the apps' documents by id (`--persisted`).
      ...(options.trustedDocumentsAsDeployed ? {} : { TRUSTED_DOCUMENTS: 'mobile=off,web=off' }),
      // One log line per request would be measured too; warnings still show problems.
      LOG_LEVEL: 'warn',
      // The default sampler (parent-based, ratio 1.0): every request traced and exported.
      ...(options.otlpEndpoint === undefined ? {} : { OTEL_EXPORTER_OTLP_ENDPOINT: options.otlpEndpoint }),
      // `OTEL_TRACES_SAMPLER_ARG=0.1 npm run bench -- --tracing …`: the tracing-on rows at another sampling ratio.
      ...(options.otlpEndpoint !== undefined && process.env['OTEL_TRACES_SAMPLER_ARG'] ? { OTEL_TRACES_SAMPLER_ARG: process.env['OTEL_TRACES_SAMPLER_ARG'] } : {}),
      // `GRAPHQL_EXECUTOR=graphql-js npm run bench …` measures the same gateway without compiled plans (the plans lever).
      ...(process.env['GRAPHQL_EXECUTOR'] ? { GRAPHQL_EXECUTOR: process.env['GRAPHQL_EXECUTOR'] } : {}),
      // `BENCH_GATEWAY_NODE_OPTIONS='--max-semi-space-size=8' npm run bench …`: the gateway with V8 heap settings, as NODE_OPTIONS would set them in production.
      ...(process.env['BENCH_GATEWAY_NODE_OPTIONS'] ? { NODE_OPTIONS: process.env['BENCH_GATEWAY_NODE_OPTIONS'] } : {}),
      // `OVERLOAD_EDGE_THREAD=on npm run bench …`: the gateway with other overload settings (the light-load rows with the edge thread).
      ...overloadSettingsFromEnv(),
    },
    { flags, tailStdout: true },
  );
  const baseline = spawnNode('bench/baseline.ts', urlEnv);
  const gatewayUrl = `http://127.0.0.1:${port}`;
  const [, started] = await Promise.all([waitForHttp(`${gatewayUrl}/healthz`, gateway), jsonLines(baseline)()]);
  const baselineUrl = (started as { url: string }).url;

  const eachService = (path: string, method: 'GET' | 'POST') =>
    Promise.all(
      SERVICE_NAMES.map(async (service) => {
        const response = await fetch(`${urls[service]}${path}`, { method });
        return (await response.json()) as { total: number };
      }),
    );
  return {
    gatewayUrl,
    baselineUrl,
    gateway,
    baseline,
    async resetUpstreamCalls() {
      await eachService('/_demo/stats/reset', 'POST');
    },
    async upstreamCalls() {
      return (await eachService('/_demo/stats', 'GET')).reduce((sum, stats) => sum + stats.total, 0);
    },
    async stop() {
      await Promise.all([stopProcess(gateway), stopProcess(baseline)]);
      await stopProcess(upstreamsProcess);
    },
  };
}
