/**
 * The gateway's Prometheus metrics, on a registry of its own (never the
 * global default: tests run several gateways in one process). Labels are
 * bounded: audiences, operation names (capped, see operation-label.ts),
 * services, route templates (never raw URLs), status codes.
 */
import { readdirSync } from 'node:fs';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CacheEvent } from '../../clients/cached-http.js';
import { SERVICE_NAMES, type CallEvent, type CircuitState, type ServiceName } from '../../clients/index.js';
import type { CredentialCheckUnavailable } from '../auth/credential-error.js';
import type { OverloadStats, ShedReason } from '../http/overload.js';
import { droppedLogLines } from '../logger.js';
import { createOperationLabeller, UNREAD_OPERATION } from './operation-label.js';

/** Why the cost limiter refused a request (`bff_rate_limited_total`'s `reason`). */
export type RateLimitReason = 'budget' | 'quota' | 'too_expensive';

/** How a GraphQL request ended: all data, some data with errors, refused (4xx), or failed. */
export type RequestOutcome = 'ok' | 'partial' | 'rejected' | 'error';

/** Statuses a service is expected to send, labelled as they are; any other is its class (`4xx`), or `invalid`. */
const KNOWN_STATUSES = [
  200, 201, 202, 204, 206, 301, 302, 303, 304, 307, 308, 400, 401, 403, 404, 405, 406, 408, 409, 410, 412, 413, 414, 415, 416,
  422, 425, 428, 429, 431, 500, 501, 502, 503, 504, 505,
];
const STATUS_LABELS = Array.from({ length: 600 }, (_, status) =>
  status < 100 ? 'invalid' : KNOWN_STATUSES.includes(status) ? String(status) : `${Math.floor(status / 100)}xx`,
);

/**
 * An upstream status as a label: bounded whatever a service sends (a service
 * answering random codes made a series per code).
 */
export function statusLabel(status: number): string {
  return STATUS_LABELS[status] ?? 'invalid';
}

/** What the edge's gauges read: readiness, and the overload guard's counts and limits. */
export type EdgeGauges = { ready: boolean } & Pick<OverloadStats, 'inFlight' | 'inFlightLimit' | 'runningLimit' | 'waiting'>;

export interface RequestObservation {
  audience: string;
  operation: string | null | undefined;
  outcome: RequestOutcome;
  durationMs: number;
  /** Answered at the edge before its operation was read: labelled `__unread`. */
  unread?: boolean;
}

export interface Metrics {
  readonly registry: Registry;
  observeRequest(request: RequestObservation): void;
  /** `CreateClientsOptions.onCall`. */
  observeCall(event: CallEvent): void;
  /** `CreateClientsOptions.onCache`. */
  observeCache(event: CacheEvent): void;
  /** Where the circuit gauge reads the current states at each scrape. */
  watchCircuits(read: () => Record<ServiceName, CircuitState>): void;
  /** Estimated (before) and actual (after execution) cost of one operation; called by the cost plugin. */
  observeCost(audience: string, requested: number, actual: number): void;
  /** One request refused by the rate limiter; called by the cost plugin. */
  rateLimited(audience: string, reason?: RateLimitReason): void;
  /** One GraphQL request refused at the edge because the process is overloaded (src/http/overload.ts). */
  shed(audience: string, reason: ShedReason): void;
  /** One GraphQL request whose client left before its answer (src/http/graphql-handler.ts). */
  clientGone(audience: string): void;
  /** Where the edge gauges read readiness and the in-flight count at each scrape. */
  watchEdge(read: () => EdgeGauges): void;
  /** Where the dependency gauges probe upstream health and Redis at each scrape (the facts of `/readyz?verbose`). */
  watchDependencies(probe: () => Promise<DependencyStatus>, redisConfigured: boolean): void;
  /** One budget decision taken locally because the shared (Redis) budget store could not answer. */
  budgetFallback(): void;
  /** `API_KEYS_FILE` read again with a new text: its keys now in use, or refused (the keys in use stay). */
  apiKeysReload(outcome: 'reloaded' | 'failed'): void;
  /** A fetch of the identity provider's JWKS failed (`code`: the contract's upstream code for how), and whether the keys fetched before are still used. */
  jwksFetchFailed(code: CredentialCheckUnavailable['code'], lastKeysKept: boolean): void;
  /**
   * One operation plan made (a document seen for the first time, or again after eviction): which
   * executor runs it, and for graphql-js why (`configured`, `introspection`, `conditions`, or `jit_failed`).
   */
  observePlan(audience: string, executor: 'jit' | 'graphql-js', reason: string | undefined): void;
  /** The exposition text and its content type. */
  render(): Promise<{ contentType: string; body: string }>;
}

/** What `bff_upstream_up` and `bff_redis_up` report; `redis` absent when it is not configured. */
export interface DependencyStatus {
  upstreams: Record<ServiceName, 'up' | 'down'>;
  redis?: 'up' | 'down';
}

/** Numeric circuit state for the gauge: 0 closed, 1 half-open (probe allowed), 2 open. */
export const CIRCUIT_STATE_VALUE: Record<CircuitState, number> = { closed: 0, 'half-open': 1, open: 2 };

const DEPENDENCY_PROBE_REUSE_MS = 2_000;
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const COST_BUCKETS = [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000];

/**
 * Label sets exposed at 0 from the start. A counter series that first appears
 * at 1 never increases in Prometheus's eyes, so an alert on `increase()` would
 * miss its first event (a keys file refused once, the first JWKS outage);
 * deploy/prometheus/alerts.yml relies on these.
 */
export interface SeriesAtZero {
  /** Served audiences: shed, rate-limited and client-gone counts by each of their reasons. */
  audiences?: readonly string[];
  /** `API_KEYS_FILE` is set, so it is read again while running. */
  apiKeysFile?: boolean;
  /** Tokens are checked against a JWKS. */
  jwks?: boolean;
}

const SHED_REASONS: readonly ShedReason[] = ['in_flight', 'event_loop_delay'];
const RATE_LIMIT_REASONS: readonly RateLimitReason[] = ['budget', 'quota', 'too_expensive'];
const JWKS_FAILURE_CODES: readonly CredentialCheckUnavailable['code'][] = ['UPSTREAM_UNAVAILABLE', 'UPSTREAM_TIMEOUT', 'UPSTREAM_BAD_RESPONSE'];

/**
 * `process_open_fds` as prom-client counts it (the entries of /proc/self/fd), except when every descriptor is in use:
 * listing them needs one more, so the count failed and the series read 0 (or its last value) exactly when
 * `BffGatewayFileDescriptors` should fire. Then it reads the limit.
 */
function replaceOpenFileDescriptors(registry: Registry): void {
  if (registry.getSingleMetric('process_open_fds') === undefined) return;
  registry.removeSingleMetric('process_open_fds');
  new Gauge({
    name: 'process_open_fds',
    help: 'Number of open file descriptors.',
    registers: [registry],
    async collect() {
      try {
        // One fewer: the listing's own descriptor, closed by now.
        this.set(readdirSync('/proc/self/fd').length - 1);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EMFILE') return;
        // prom-client's own `process_max_fds` (the soft limit, read at the start).
        const limit = (await registry.getSingleMetric('process_max_fds')?.get())?.values[0]?.value;
        if (limit !== undefined) this.set(limit);
      }
    },
  });
}

/** Builds the registry and every series, plus Node's default process metrics. */
export function createMetrics(atZero: SeriesAtZero = {}): Metrics {
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry });
  replaceOpenFileDescriptors(registry);
  const operationLabel = createOperationLabeller();

  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
    new Counter<L>({ name, help, labelNames, registers });
  const histogram = <L extends string>(name: string, help: string, labelNames: readonly L[], buckets: number[]) =>
    new Histogram<L>({ name, help, labelNames, buckets, registers });

  const requests = counter('bff_requests_total', 'GraphQL requests by audience, operation and outcome.', ['audience', 'operation', 'outcome']);
  const requestSeconds = histogram('bff_request_duration_seconds', 'GraphQL request duration.', ['audience', 'operation'], LATENCY_BUCKETS);
  const calls = counter(
    'bff_upstream_calls_total',
    'Upstream calls (retries included in one call) by service, route template, method, last HTTP status and outcome.',
    ['service', 'route', 'method', 'status', 'outcome'],
  );
  const callSeconds = histogram(
    'bff_upstream_call_duration_seconds',
    'Upstream call duration, retries and backoff included.',
    ['service', 'route'],
    LATENCY_BUCKETS,
  );
  const retries = counter('bff_upstream_retries_total', 'Upstream attempts after the first.', ['service']);
  const cache = counter(
    'bff_upstream_cache_total',
    'Shared-service GETs by cache result: hit, miss, or coalesced into an identical call in flight.',
    ['service', 'result'],
  );
  let readCircuits: (() => Record<ServiceName, CircuitState>) | undefined;
  new Gauge({
    name: 'bff_circuit_state',
    help: 'Circuit breaker state per service: 0 closed, 1 half-open, 2 open.',
    labelNames: ['service'] as const,
    registers,
    collect() {
      const states = readCircuits?.();
      for (const service of SERVICE_NAMES) this.set({ service }, CIRCUIT_STATE_VALUE[states?.[service] ?? 'closed']);
    },
  });
  let loggedDrops = 0;
  new Counter({
    name: 'bff_log_lines_dropped_total',
    help: 'Log lines dropped because stdout did not take them: its reader stalled with LOG_BUFFER_BYTES of lines waiting.',
    registers,
    collect() {
      const now = droppedLogLines();
      this.inc(now - loggedDrops);
      loggedDrops = now;
    },
  });
  const costRequested = histogram('bff_operation_cost_requested', 'Estimated cost of an operation before it runs.', ['audience'], COST_BUCKETS);
  const costActual = histogram('bff_operation_cost_actual', 'Measured cost of an operation after it ran.', ['audience'], COST_BUCKETS);
  const rateLimited = counter('bff_rate_limited_total', 'Requests refused by the cost rate limiter.', ['audience', 'reason']);
  const shed = counter('bff_shed_total', 'GraphQL requests refused at the edge with 503 OVERLOADED, by reason.', ['audience', 'reason']);
  const clientGone = counter('bff_client_gone_total', 'GraphQL requests whose client closed the connection before its answer (no further upstream call was sent for them).', ['audience']);
  let readEdge: (() => EdgeGauges) | undefined;
  new Gauge({
    name: 'bff_ready',
    help: 'What /readyz answers: 1 ready, 0 draining or shedding load. Upstreams and Redis never count.',
    registers,
    collect() {
      this.set(readEdge?.().ready === false ? 0 : 1);
    },
  });
  new Gauge({
    name: 'bff_in_flight_requests',
    help: 'GraphQL requests in progress in this process (the overload limit counts these).',
    registers,
    collect() {
      this.set(readEdge?.().inFlight ?? 0);
    },
  });
  new Gauge({
    name: 'bff_in_flight_limit',
    help: 'The in-flight limit now: OVERLOAD_MAX_IN_FLIGHT, lowered while the event loop runs late (0: no limit).',
    registers,
    collect() {
      this.set(readEdge?.().inFlightLimit ?? 0);
    },
  });
  new Gauge({
    name: 'bff_running_limit',
    help: 'Admitted GraphQL requests that may run side by side now; the others wait, oldest first (grows while they wait on upstreams, 0: no such limit).',
    registers,
    collect() {
      this.set(readEdge?.().runningLimit ?? 0);
    },
  });
  new Gauge({
    name: 'bff_waiting_requests',
    help: 'Admitted GraphQL requests waiting for one of the running slots.',
    registers,
    collect() {
      this.set(readEdge?.().waiting ?? 0);
    },
  });
  let probeDependencies: (() => Promise<DependencyStatus>) | undefined;
  let probing: Promise<DependencyStatus> | undefined;
  // One probe serves both dependency gauges and any scrape within 2 s: scrapes stay cheap, and never hammer a service.
  const probeOnce = (probe: () => Promise<DependencyStatus>) => {
    probing ??= probe().finally(() => setTimeout(() => (probing = undefined), DEPENDENCY_PROBE_REUSE_MS).unref());
    return probing;
  };
  new Gauge({
    name: 'bff_upstream_up',
    help: "Each upstream's GET /health at scrape time: 1 answering, 0 not.",
    labelNames: ['service'] as const,
    registers,
    async collect() {
      if (!probeDependencies) return;
      const status = await probeOnce(probeDependencies);
      for (const service of SERVICE_NAMES) this.set({ service }, status.upstreams[service] === 'up' ? 1 : 0);
    },
  });
  const budgetFallbacks = counter('bff_budget_fallback_total', 'Budget decisions taken in process memory because Redis could not answer.', []);
  const keyReloads = counter('bff_api_keys_reloads_total', 'API_KEYS_FILE read again with a new text: reloaded (its keys now in use) or failed (the keys in use stay).', ['outcome']);
  const jwksFailures = counter('bff_jwks_fetch_failures_total', "Fetches of the identity provider's JWKS that failed, by how (the upstream error code) and whether the keys fetched before still verify.", ['code', 'last_keys_kept']);
  const plans = counter('bff_operation_plans_total', 'Operation plans compiled, by the executor that runs them and why graphql-js when it does.', ['audience', 'executor', 'reason']);
  const keysRejected = new Gauge({
    name: 'bff_api_keys_file_rejected',
    help: 'API_KEYS_FILE: 1 while its latest text was refused (the keys read before it stay in use), else 0.',
    registers,
  });
  keysRejected.set(0);
  for (const audience of atZero.audiences ?? []) {
    for (const reason of SHED_REASONS) shed.inc({ audience, reason }, 0);
    for (const reason of RATE_LIMIT_REASONS) rateLimited.inc({ audience, reason }, 0);
    clientGone.inc({ audience }, 0);
  }
  if (atZero.apiKeysFile) for (const outcome of ['reloaded', 'failed']) keyReloads.inc({ outcome }, 0);
  if (atZero.jwks) {
    for (const code of JWKS_FAILURE_CODES) for (const kept of ['true', 'false']) jwksFailures.inc({ code, last_keys_kept: kept }, 0);
  }

  return {
    registry,
    observeRequest({ audience, operation, outcome, durationMs, unread }) {
      const labels = { audience, operation: unread ? UNREAD_OPERATION : operationLabel(audience, operation) };
      requests.inc({ ...labels, outcome });
      requestSeconds.observe(labels, durationMs / 1000);
    },
    observeCall(event) {
      // `status` is what the service said (none when it said nothing); `outcome` what it meant for the caller.
      const status = event.status === undefined ? 'none' : statusLabel(event.status);
      const outcome = event.abandoned
        ? 'client_gone'
        : event.circuitOpen && event.attempts === 0
          ? 'circuit_open'
          : (event.errorCode?.toLowerCase() ?? 'ok');
      calls.inc({ service: event.service, route: event.route, method: event.method, status, outcome });
      callSeconds.observe({ service: event.service, route: event.route }, event.durationMs / 1000);
      if (event.attempts > 1) retries.inc({ service: event.service }, event.attempts - 1);
    },
    observeCache(event) {
      cache.inc({ service: event.service, result: event.result });
    },
    watchCircuits(read) {
      readCircuits = read;
    },
    observeCost(audience, requested, actual) {
      costRequested.observe({ audience }, requested);
      costActual.observe({ audience }, actual);
    },
    rateLimited(audience, reason = 'budget') {
      rateLimited.inc({ audience, reason });
    },
    shed(audience, reason) {
      shed.inc({ audience, reason });
    },
    clientGone(audience) {
      clientGone.inc({ audience });
    },
    watchEdge(read) {
      readEdge = read;
    },
    watchDependencies(probe, redisConfigured) {
      probeDependencies = probe;
      // Only with REDIS_URL: a series that always read 0 would look like an outage.
      if (!redisConfigured) return;
      new Gauge({
        name: 'bff_redis_up',
        help: 'Redis PING at scrape time: 1 answering, 0 not. Only when REDIS_URL is set.',
        registers,
        async collect() {
          this.set((await probeOnce(probe)).redis === 'up' ? 1 : 0);
        },
      });
    },
    apiKeysReload(outcome) {
      keyReloads.inc({ outcome });
      keysRejected.set(outcome === 'failed' ? 1 : 0);
    },
    jwksFetchFailed(code, lastKeysKept) {
      jwksFailures.inc({ code, last_keys_kept: String(lastKeysKept) });
    },
    budgetFallback() {
      budgetFallbacks.inc();
    },
    observePlan(audience, executor, reason) {
      const bounded =
        reason === undefined ? 'none' : reason === 'configured' || reason === 'introspection' || reason === 'conditions' ? reason : 'jit_failed';
      plans.inc({ audience, executor, reason: bounded });
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
