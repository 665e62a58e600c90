import { SERVICE_NAMES, type CircuitState, type Clients, type ServiceName } from '../../clients/index.js';

/** What the gateway sees of its dependencies: for people and dashboards, never for readiness. */
export interface UpstreamStatus {
  upstreams: Record<ServiceName, 'up' | 'down'>;
  circuits: Record<ServiceName, CircuitState>;
  /** Services whose circuit is open (failing fast, cooling down). */
  openCircuits: ServiceName[];
  /** The Redis behind the shared state; absent when everything is in memory. */
  redis?: 'up' | 'down';
}

export interface UpstreamStatusOptions {
  timeoutMs?: number;
  /** True when `REDIS_URL` is set: Redis is then probed too. */
  redisConfigured?: boolean;
}

/**
 * Probes every upstream's `GET /health` (short deadline, bypassing the circuit
 * breaker), reads the circuit states and pings Redis. Served by
 * `/readyz?verbose`; the HTTP status there stays the gateway's own readiness,
 * because a dependency being down must not take every replica out of the load
 * balancer at once (CONTRACT.md, Endpoints).
 */
export async function checkUpstreams(clients: Clients, options: UpstreamStatusOptions = {}): Promise<UpstreamStatus> {
  const timeoutMs = options.timeoutMs ?? 1000;
  const [results, redisUp] = await Promise.all([
    Promise.all(SERVICE_NAMES.map((service) => clients.health(service, timeoutMs))),
    options.redisConfigured ? clients.cacheReady() : Promise.resolve(true),
  ]);
  const upstreams = {} as Record<ServiceName, 'up' | 'down'>;
  SERVICE_NAMES.forEach((service, i) => {
    upstreams[service] = results[i] ? 'up' : 'down';
  });
  const circuits = clients.circuits();
  return {
    upstreams,
    circuits,
    openCircuits: SERVICE_NAMES.filter((service) => circuits[service] === 'open'),
    ...(options.redisConfigured ? { redis: redisUp ? ('up' as const) : ('down' as const) } : {}),
  };
}
