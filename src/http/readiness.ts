import { SERVICE_NAMES, type Clients, type ServiceName } from '../../clients/index.js';

export interface Readiness {
  ready: boolean;
  upstreams: Record<ServiceName, 'up' | 'down'>;
}

/** Asks every upstream's `/health` in parallel with a short deadline; ready when all answer. */
export async function checkReadiness(clients: Clients, timeoutMs = 1000): Promise<Readiness> {
  const results = await Promise.all(SERVICE_NAMES.map((service) => clients.health(service, timeoutMs)));
  const upstreams = {} as Record<ServiceName, 'up' | 'down'>;
  SERVICE_NAMES.forEach((service, i) => {
    upstreams[service] = results[i] ? 'up' : 'down';
  });
  return { ready: results.every(Boolean), upstreams };
}
