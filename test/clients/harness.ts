/**
 * Shared set-up for the client tests: the fixture upstream on loopback, one
 * `Clients` built over it, the recorded `onCall` events, and a swappable
 * `onRequest` hook so each test can inject its own fault.
 */
import { createClients, type CreateClientsOptions } from '../../clients/create-clients.js';
import type { CallEvent } from '../../clients/http.js';
import type { Clients, RequestMeta, ServiceClients } from '../../clients/index.js';
import { startFixtureUpstream, type FixtureData, type FixtureOptions, type FixtureUpstream } from '../helpers/fixture-upstream.js';

export interface Harness {
  upstream: FixtureUpstream;
  clients: Clients;
  /**
   * Clients for a fresh request with correlation id `corr-test` and consumer
   * `fx-alice`: each read starts a new operation deadline.
   */
  readonly api: ServiceClients;
  events: CallEvent[];
  /** Replaces the fixture's `onRequest` hook until `reset`. */
  hook(fn: FixtureOptions['onRequest']): void;
  /** Forgets recorded requests, events and the hook. */
  reset(): void;
  close(): Promise<void>;
}

export const META: RequestMeta = { correlationId: 'corr-test', consumerId: 'fx-alice' };

/** Starts a fixture upstream and clients over it; `options` overrides the client options. */
export async function startHarness(options: Partial<CreateClientsOptions> & { data?: FixtureData } = {}): Promise<Harness> {
  let current: FixtureOptions['onRequest'];
  const { data, ...clientOptions } = options;
  const upstream = await startFixtureUpstream({ ...(data ? { data } : {}), onRequest: (req) => current?.(req) });
  const events: CallEvent[] = [];
  const clients = createClients({ urls: upstream.urls, onCall: (e) => events.push(e), ...clientOptions });
  return {
    upstream,
    clients,
    get api() {
      return clients.forRequest(META);
    },
    events,
    hook: (fn) => {
      current = fn;
    },
    reset: () => {
      current = undefined;
      upstream.requests.length = 0;
      events.length = 0;
    },
    close: async () => {
      clients.close();
      await upstream.close();
    },
  };
}

/** Resolves the rejection of `promise` (fails the test when it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}
