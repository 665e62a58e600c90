import { SERVICE_NAMES, type CircuitState, type Clients, type ServiceName } from '../../clients/index.js';

export interface Readiness {
  ready: boolean;
  upstreams: Record<ServiceName, 'up' | 'down'>;
  circuits: Record<ServiceName, CircuitState>;
  /** Services whose circuit is open (failing fast, cooling down). */
  openCircuits: ServiceName[];
  /** The Redis behind the response cache; absent when the cache is in memory. */
  redis?: 'up' | 'down';
}

export interface ReadinessOptions {
  timeoutMs?: number;
  /** True when the cache lives in Redis, whose reachability then counts. */
  redisConfigured?: boolean;
}

/**
 * Ready when every upstream's `/health` answers within a short deadline, no
 * circuit is open, and Redis (when configured) answers. A circuit past its
 * cool-down (half-open) no longer counts: the instance must get traffic again
 * for the probe call that can close it.
 */
export async function checkReadiness(clients: Clients, options: ReadinessOptions = {}): Promise<Readiness> {
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
  const openCircuits = SERVICE_NAMES.filter((service) => circuits[service] === 'open');
  return {
    ready: results.every(Boolean) && openCircuits.length === 0 && redisUp,
    upstreams,
    circuits,
    openCircuits,
    ...(options.redisConfigured ? { redis: redisUp ? ('up' as const) : ('down' as const) } : {}),
  };
}
