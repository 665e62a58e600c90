import type { AddressInfo } from 'node:net';
import type { ApolloServer } from '@apollo/server';
import { createMemoryCache } from '../clients/cache.js';
import { createClients } from '../clients/create-clients.js';
import { createRedisCache } from '../clients/redis-cache.js';
import { closeRedis, connectRedis } from '../clients/redis-connection.js';
import { createEgressFetch } from '../clients/transport.js';
import type { Clients, EgressProxy, ServiceName } from '../clients/index.js';
import { loadApiKeys, watchApiKeys, type ApiKeysReload } from './auth/api-keys.js';
import { createAuthenticator } from './auth/credentials.js';
import { createJwtVerifier } from './auth/jwt.js';
import type { KeySetFailureListener } from './auth/jwks-backoff.js';
import { ConfigError, displayUrl, SHUTDOWN_CLOSE_MS, SHUTDOWN_MIN_DRAIN_MS, type Config } from './config.js';
import { createBudgetStore } from './cost/create-store.js';
import { loadRateLimits } from './cost/limits.js';
import type { Audience, Context } from './context.js';
import { startDemoServices, type DemoServices } from './demo/index.js';
import { createAudienceServer } from './graphql/audience-server.js';
import { createGraphQLHandler } from './http/graphql-handler.js';
import { createOverloadGuard } from './http/overload.js';
import { createReadiness } from './http/readiness.js';
import { mainThreadNiceFor, type EdgeListener } from './http/edge-thread.js';
import { createOperationsServer, type OperationsEndpoints } from './http/operations.js';
import { createEdgeServer, serverLimits } from './http/server.js';
import { checkUpstreams } from './http/upstream-status.js';
import type { Logger } from './logger.js';
import { createMetrics, type Metrics } from './observability/metrics.js';
import { createRefusalRecorder } from './observability/edge-refusals.js';
import { SHUTDOWN_FLUSH_MS } from './observability/tracing/settings.js';
import { throttledWarn } from './observability/throttled-log.js';
import { APQ_TTL_SECONDS, createPersistedQueryStore } from './persisted/apq-store.js';
import { loadTrustedDocuments, type TrustedDocuments } from './persisted/manifest.js';
import { isFirstParty } from './persisted/mode.js';
import { createPlayground } from './playground/handler.js';

export interface Gateway {
  server: EdgeListener;
  /** `http://host:port` the gateway listens on. */
  url: string;
  /** `http://host:port` of the operations port (`OPERATIONS_PORT`), or null when there is none. */
  operationsUrl: string | null;
  /** The upstream base URLs in use. */
  upstreams: Record<ServiceName, string>;
  /** The embedded demo services, when no upstream URL was configured. */
  demo: DemoServices | null;
  /** This gateway's metrics registry (served at `/metrics`). */
  metrics: Metrics;
  /** Reads `API_KEYS_FILE` again now (SIGHUP); null when there is none (the demo keys). */
  reloadApiKeys(): ApiKeysReload | null;
  /** Stops accepting, lets in-flight requests finish, then releases everything. */
  close(): Promise<void>;
  /**
   * SIGTERM: `/readyz` answers 503 at once, requests are still served for
   * `SHUTDOWN_DELAY_MS` (load balancers notice and stop sending), then `close()`.
   */
  shutdown(): Promise<void>;
}

/** A listen error that `HOST` or the port's variable explains, as the configuration problem it is (exit 2, the variable named). */
function listenProblem(error: NodeJS.ErrnoException, config: Config, portVariable: 'PORT' | 'OPERATIONS_PORT', port: number): ConfigError | null {
  const problem: Record<string, string> = {
    ENOTFOUND: `HOST "${config.host}" does not resolve (${error.code}).`,
    EAI_AGAIN: `HOST "${config.host}" does not resolve (${error.code}).`,
    EADDRNOTAVAIL: `HOST ${config.host} is not an address of this machine (${error.code}).`,
    EADDRINUSE: `${portVariable} ${port} is already in use on ${config.host} (${error.code}).`,
    EACCES: `${portVariable} ${port} needs privileges this process does not have (${error.code}): use a port above 1023.`,
  };
  const text = error.code === undefined ? undefined : problem[error.code];
  return text === undefined ? null : new ConfigError([text]);
}

/**
 * Listens on `port` at `HOST`; a failure `HOST` or the port's variable explains is that configuration problem. Once
 * listening, a connection the listener could not accept goes to `afterListening` and the process goes on: Node reports
 * one (`accept EMFILE`, `ENFILE`: out of file descriptors) as an error, and with no listener left the second such
 * error ended the process, cutting every request in flight, as the descriptors came free again. Any other error (the
 * edge thread's worker failed) still ends the process: nothing would be left listening.
 */
function listenOn(
  listener: Pick<EdgeListener, 'once' | 'listen'>,
  port: number,
  variable: 'PORT' | 'OPERATIONS_PORT',
  config: Config,
  afterListening: (error: Error) => void,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    listener.once('error', (error: NodeJS.ErrnoException) => reject(listenProblem(error, config, variable, port) ?? error));
    listener.listen(port, config.host, () => {
      const onError = (error: NodeJS.ErrnoException) => {
        if (error.syscall !== 'accept') throw error;
        listener.once('error', onError);
        afterListening(error);
      };
      listener.once('error', onError);
      resolve();
    });
  });
}

/** The configuration files, read and checked: a bad one is a ConfigError naming it, before anything has started. */
export function loadConfigurationFiles(config: Config) {
  const firstParty = config.audiences.filter(isFirstParty);
  return {
    apiKeys: loadApiKeys(config.apiKeysFile),
    rateLimits: loadRateLimits(config.rateLimitsFile),
    firstParty,
    manifests: new Map<Audience, TrustedDocuments>(firstParty.map((a) => [a, loadTrustedDocuments(a)])),
  };
}

/**
 * What `--check` reports of a configuration that is valid: what the gateway would serve, from where, and with
 * which files, without starting anything (no listener, no demo services, no Redis or upstream contacted).
 */
export function describeConfiguration(config: Config, files: ReturnType<typeof loadConfigurationFiles>) {
  return {
    production: config.production,
    audiences: config.audiences,
    port: config.port,
    ...(config.operationsPort !== null ? { operationsPort: config.operationsPort } : {}),
    upstreams: config.upstreams
      ? Object.fromEntries(Object.entries(config.upstreams).map(([service, url]) => [service, displayUrl(url)]))
      : 'embedded demo services',
    tokens: config.jwt.kind === 'jwks' ? { jwks: displayUrl(config.jwt.url) } : config.jwt.isDevSecret ? 'development secret' : 'JWT_SECRET',
    ...(config.audiences.includes('public') ? { apiKeys: config.apiKeysFile ? files.apiKeys.size : 'demo keys' } : {}),
    rateLimits: config.rateLimitsFile ?? 'built-in defaults',
    trustedDocuments: Object.fromEntries(files.firstParty.map((a) => [a, { mode: config.trustedDocuments[a], manifestOperations: files.manifests.get(a)!.size }])),
    redis: config.redisUrl ? displayUrl(config.redisUrl) : 'none (state in process memory)',
    ...(config.redisKeyPrefix ? { redisKeyPrefix: config.redisKeyPrefix } : {}),
    tracing: config.tracing ? displayUrl(config.tracing.tracesUrl) : 'off',
    ...(config.egressProxy ? { egressProxy: describeEgressProxy(config.egressProxy) } : {}),
  };
}

/** The egress proxy as a log line may show it: no user or password. */
function describeEgressProxy(proxy: EgressProxy) {
  return {
    http: proxy.httpProxy === null ? 'direct' : displayUrl(proxy.httpProxy),
    https: proxy.httpsProxy === null ? 'direct' : displayUrl(proxy.httpsProxy),
    noProxy: proxy.noProxy,
  };
}

/**
 * Starts the whole gateway from a validated Config: the embedded demo
 * services when no upstream is configured, one Apollo Server per audience,
 * the shared REST clients, and the edge server.
 */
export async function startGateway(config: Config, logger: Logger): Promise<Gateway> {
  // Configuration files first: a bad one is a ConfigError before anything has started.
  const { apiKeys, rateLimits, firstParty, manifests } = loadConfigurationFiles(config);
  let demo: DemoServices | null = null;
  let upstreams = config.upstreams;
  if (!upstreams) {
    demo = await startDemoServices();
    upstreams = demo.urls;
    if (config.production) {
      // Seeded data served as if real: a deployment that forgot its URLs must not look healthy in the log.
      logger.warn({ upstreams }, 'NODE_ENV=production but no *_URL configured: serving the embedded demo services and their seeded data; set USERS_URL, ORDERS_URL, PRODUCTS_URL, INVENTORY_URL, REVIEWS_URL, PRICING_URL and NOTIFICATIONS_URL');
    } else {
      logger.info({ upstreams }, 'no *_URL configured: started the embedded demo services');
    }
  }
  if (config.egressProxy) {
    logger.info(describeEgressProxy(config.egressProxy), 'upstream calls go through the egress proxy (NODE_USE_ENV_PROXY=1), except to NO_PROXY hosts');
  } else if (config.egressProxyIgnored.length > 0) {
    logger.warn({ variables: config.egressProxyIgnored }, 'proxy variables are set but not used: upstream calls go direct; set NODE_USE_ENV_PROXY=1 to send them through the proxy');
  }
  if (config.jwt.kind === 'secret' && config.jwt.isDevSecret) {
    logger.warn('no JWT_SECRET or JWT_JWKS_URL: using the development secret (`npm run token` signs with it)');
  }
  if (!config.apiKeysFile && config.audiences.includes('public')) {
    logger.warn('no API_KEYS_FILE: the documented demo API keys are accepted');
  }

  const metrics = createMetrics({ audiences: config.audiences, apiKeysFile: config.apiKeysFile !== null, jwks: config.jwt.kind === 'jwks' });
  // A revoked partner key stops working, and a new one starts, without a restart (the file is read again).
  const keysFile = config.apiKeysFile;
  const keysWatch =
    keysFile === null
      ? null
      : watchApiKeys(keysFile, apiKeys, {
          intervalMs: config.apiKeysReloadMs,
          onReload(outcome, { keys, problems }) {
            metrics.apiKeysReload(outcome);
            if (outcome === 'reloaded') logger.info({ keys }, 'API_KEYS_FILE reloaded: its keys are in use now');
            else logger.error({ problems, keysInUse: keys }, 'API_KEYS_FILE not reloaded: the keys in use stay');
          },
        });
  // Off unless an OTLP endpoint is configured: then nothing on the hot path but a null check.
  const tracing = config.tracing ? (await import('./observability/tracing/create-tracing.js')).createTracing(config.tracing, logger) : null;
  if (config.tracing) {
    logger.info(
      { endpoint: displayUrl(config.tracing.tracesUrl), protocol: config.tracing.protocol, sampler: config.tracing.sampler, ratio: config.tracing.samplerRatio },
      'tracing: OpenTelemetry spans exported over OTLP/HTTP',
    );
    if (config.tracing.sdkDisabledIgnored !== undefined) {
      logger.warn(
        { OTEL_SDK_DISABLED: config.tracing.sdkDisabledIgnored },
        'OTEL_SDK_DISABLED is neither true nor false: read as false, as the OpenTelemetry specification says, so tracing stays on; set it to true to turn tracing off',
      );
    }
  }
  // One Redis connection for everything shared between processes: response cache, persisted queries, budgets.
  const redis = config.redisUrl
    ? connectRedis({ url: config.redisUrl, onError: throttledWarn(logger, 'Redis connection problem (cache, persisted queries, rate-limit budgets)') })
    : null;
  const clients: Clients = createClients({
    urls: upstreams,
    timeoutMs: config.upstreamTimeoutMs,
    maxResponseBytes: config.upstreamMaxResponseBytes,
    connectionMaxAgeMs: config.upstreamConnectionMaxAgeMs,
    ...(config.egressProxy ? { proxy: config.egressProxy } : {}),
    circuit: { failureThreshold: config.circuitFailureThreshold, cooldownMs: config.circuitCooldownMs },
    // Redis down: cache misses (and a warning every 30 s), never a failed or hanging call.
    cache: redis
      ? createRedisCache({
          connection: redis,
          keyPrefix: config.redisKeyPrefix,
          onError: throttledWarn(logger, 'response cache: Redis unavailable, serving misses'),
        })
      : createMemoryCache(),
    onCall: metrics.observeCall,
    onCache: metrics.observeCache,
    onCircuitChange: (service, circuit) =>
      // `upstream`, not `service`: every line's `service` is the gateway's own (src/logger.ts).
      logger[circuit === 'closed' ? 'info' : 'warn']({ upstream: service, circuit }, `circuit ${circuit}: ${service}`),
  });
  metrics.watchCircuits(() => clients.circuits());
  const budgets = createBudgetStore(redis, logger, () => metrics.budgetFallback(), config.redisKeyPrefix);
  // APQ for the apps only: partners send full queries, and their documents are not ours to store.
  const persistedQueries = firstParty.length > 0 ? createPersistedQueryStore(redis, logger, config.redisKeyPrefix) : null;
  if (persistedQueries) {
    logger.info(
      { store: persistedQueries.kind, trustedDocuments: Object.fromEntries(firstParty.map((a) => [a, config.trustedDocuments[a]])) },
      'persisted queries and trusted documents for the apps',
    );
  }
  const servers = new Map<Audience, ApolloServer<Context>>();
  for (const audience of config.audiences) {
    const documents = manifests.get(audience);
    const { server: audienceServer } = await createAudienceServer(audience, {
      production: config.production,
      maxTokens: config.maxTokens,
      logger,
      shapeLimits: config.shapeLimits,
      rateLimits: rateLimits[audience],
      budgets,
      costObserver: metrics,
      metrics,
      persistedQueries: persistedQueries && isFirstParty(audience) ? { cache: persistedQueries.cache, ttl: APQ_TTL_SECONDS } : false,
      ...(documents ? { trustedDocuments: { mode: config.trustedDocuments[audience], documents } } : {}),
      executor: config.executor,
      planCacheSize: config.planCacheSize,
      ...(tracing ? { tracing: tracing.plugins } : {}),
    });
    servers.set(audience, audienceServer);
  }
  const overload = createOverloadGuard(config.overload);
  const readiness = createReadiness(overload.shedding);
  metrics.watchEdge(() => ({ ...overload.stats(), ready: readiness.state() === 'ready' }));
  const redisConfigured = config.redisUrl !== null;
  metrics.watchDependencies(() => checkUpstreams(clients, { redisConfigured }), redisConfigured);
  // Shedding is a flood by nature: one line a second says it is happening and how much.
  const logShed = throttledWarn(logger, 'overloaded: shedding GraphQL requests (503 OVERLOADED)', 1_000);
  // One line per failed fetch of the identity provider's keys (at most one every 5 s): requests that need them get 503.
  const onKeySetFailure: KeySetFailureListener = ({ code, reason, lastKeysKept }) => {
    metrics.jwksFetchFailed(code, lastKeysKept);
    logger.warn({ code, reason, lastKeysKept }, lastKeysKept
      ? 'JWKS unreachable: verifying with the keys it served last'
      : 'JWKS unreachable: tokens needing its keys are answered 503 until it answers');
  };
  // The identity provider is often outside the cluster: its key set takes the egress proxy as upstream calls do.
  const egressFetch = config.egressProxy && config.jwt.kind === 'jwks' ? createEgressFetch(config.egressProxy) : undefined;
  const authenticator = createAuthenticator(createJwtVerifier(config.jwt, onKeySetFailure, egressFetch), apiKeys);
  const recordRefusal = createRefusalRecorder(logger, metrics);
  // What /healthz, /readyz and /metrics answer from: on the operations port when there is one, else on the public port.
  const endpoints: OperationsEndpoints = {
    readiness,
    overload,
    clients,
    redisConfigured,
    ...(budgets.sharing ? { budgetSharing: budgets.sharing.bind(budgets) } : {}),
    metrics,
    details: true,
  };
  // One set of Node limits for the public and the operations listener (slow headers, idle keep-alive).
  const limits = serverLimits(config);
  const server = createEdgeServer({
    audiences: config.audiences,
    trustedProxies: config.trustedProxies,
    corsOrigins: config.corsOrigins,
    logger,
    graphql: createGraphQLHandler({ servers, authenticator, clients, logger, onClientGone: metrics.clientGone, onRefused: recordRefusal, compression: config.compression }),
    onRefused: recordRefusal,
    // With an operations port, /metrics and the verbose status are served there only.
    operations: config.operationsPort === null ? endpoints : { ...endpoints, metrics: null, details: false },
    limits,
    readiness,
    overload,
    retryAfterSeconds: config.overload.retryAfterSeconds,
    onShed: (audience, reason) => {
      metrics.shed(audience, reason);
      logShed(reason);
    },
    playground: await createPlayground(config, manifests),
    tracing,
    maxBodyBytes: config.maxBodyBytes,
    edgeThread: config.overload.edgeThread,
    mainThreadNice: mainThreadNiceFor(config.overload.mainThreadNice),
  });
  const listenerFailed = throttledWarn(logger, 'a listener failed (out of file descriptors?): connections already open are still served');
  await listenOn(server, config.port, 'PORT', config, listenerFailed);
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const urlOf = (address: AddressInfo) => `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`;
  const url = urlOf(server.address() as AddressInfo);
  /** The operations port's listener, listening; when it cannot listen, the public listener is closed and the problem thrown. */
  const listenOperations = async (port: number) => {
    const listener = createOperationsServer(endpoints, { limits, logger });
    try {
      await listenOn(listener, port, 'OPERATIONS_PORT', config, listenerFailed);
    } catch (error) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      throw error;
    }
    return listener;
  };
  const operations = config.operationsPort === null ? null : await listenOperations(config.operationsPort);
  const operationsUrl = operations ? urlOf(operations.address() as AddressInfo) : null;

  /**
   * Drains within `deadline` (a `performance.now()` time, which a step of the wall clock does not move): in-flight
   * requests first, then the last spans, then the clients.
   */
  const close = async (deadline = performance.now() + config.shutdownTimeoutMs): Promise<void> => {
    const graceMs = Math.max(SHUTDOWN_MIN_DRAIN_MS, deadline - performance.now() - SHUTDOWN_FLUSH_MS - SHUTDOWN_CLOSE_MS);
    readiness.drain();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    // A keep-alive connection whose last response just finished would otherwise stay until its idle timeout.
    const sweep = setInterval(() => server.closeIdleConnections(), 50);
    // In-flight requests get a grace period (their upstream calls are bounded by the deadline); then the rest is cut.
    const cut = setTimeout(() => {
      // Said, since the clients cut get no answer: how many GraphQL requests were still being served.
      logger.warn({ inFlight: overload.stats().inFlight, drainMs: graceMs }, 'drain time over: cutting the connections still open');
      server.closeAllConnections();
    }, graceMs);
    await closed;
    clearInterval(sweep);
    clearTimeout(cut);
    // Probes and scrapes were answered (503 draining) until every request was done.
    if (operations) {
      const closedOperations = new Promise<void>((resolve) => operations.close(() => resolve()));
      operations.closeAllConnections();
      await closedOperations;
    }
    await Promise.all([...servers.values()].map((s) => s.stop()));
    // Every request has finished, so every span has ended: send what the batch processor still holds.
    await tracing?.shutdown(Math.max(0, Math.min(SHUTDOWN_FLUSH_MS, deadline - performance.now() - SHUTDOWN_CLOSE_MS)));
    await budgets.close();
    await persistedQueries?.close();
    await clients.close();
    if (redis) await closeRedis(redis);
    overload.close();
    keysWatch?.close();
    await demo?.close();
  };

  return {
    server,
    url,
    operationsUrl,
    upstreams,
    demo,
    metrics,
    reloadApiKeys: () => keysWatch?.reload() ?? null,
    close: () => close(),
    async shutdown() {
      readiness.drain();
      // The whole shutdown stays inside the grace the orchestrator gives before SIGKILL.
      const deadline = performance.now() + config.shutdownTimeoutMs;
      if (config.shutdownDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, config.shutdownDelayMs));
      await close(deadline);
    },
  };
}
