/**
 * Counts the upstream HTTP requests made on behalf of one GraphQL request, for
 * its log line. The counter rides on the request's `RequestMeta.onCall`, and
 * is found again from the request's context through its per-request
 * `clients` object (a WeakMap: `Context` needs no field of ours and nothing
 * outlives the request). Not the context object itself: Apollo hands plugins
 * a shallow copy of it, but the copy holds the same `clients`.
 */
import type { CallEvent, ServiceName, UpstreamErrorCode } from '../../clients/index.js';

/** A call the service failed (an `UPSTREAM_*` code), as the request's log line names it: which call, its code, and why (no host, URL or body). */
export interface UpstreamFailure {
  service: ServiceName;
  route: string;
  code: UpstreamErrorCode;
  reason: string;
  attempts: number;
  status?: number;
}

/** At most this many failed calls are named in one request's log line (a page of failures says no more than five). */
export const MAX_LOGGED_FAILURES = 5;

export interface UpstreamCallCounter {
  /** Pass as `RequestMeta.onCall`. */
  observe(event: CallEvent): void;
  /** HTTP requests sent so far, retries included (cache hits and open circuits send none). */
  readonly requests: number;
  /** Calls refused by an open circuit without reaching the service. */
  readonly circuitRejections: number;
  /** The first failed calls (MAX_LOGGED_FAILURES at most), in the order they failed. */
  readonly failures: readonly UpstreamFailure[];
}

const NO_FAILURES: readonly UpstreamFailure[] = Object.freeze([]);

const counters = new WeakMap<object, UpstreamCallCounter>();

interface WithClients {
  clients: object;
}

/** A fresh counter for one request. */
export function createUpstreamCallCounter(): UpstreamCallCounter {
  let requests = 0;
  let circuitRejections = 0;
  // Made at a request's first failure: most requests have none, and pay for no array.
  let failures: UpstreamFailure[] | undefined;
  return {
    observe(event) {
      requests += event.attempts;
      if (event.circuitOpen) circuitRejections += 1;
      // The service's own failures; a 404, 409 or 422 is an answer about the request (an unknown id is null, no error),
      // and a call not sent because the client left is no failure of the service's.
      if (event.errorCode?.startsWith('UPSTREAM_') && !event.abandoned && (failures?.length ?? 0) < MAX_LOGGED_FAILURES) {
        const failure: UpstreamFailure = {
          service: event.service,
          route: `${event.method} ${event.route}`,
          code: event.errorCode,
          reason: event.reason ?? 'unknown',
          attempts: event.attempts,
        };
        if (event.status !== undefined) failure.status = event.status;
        (failures ??= []).push(failure);
      }
    },
    get failures() {
      return failures ?? NO_FAILURES;
    },
    get requests() {
      return requests;
    },
    get circuitRejections() {
      return circuitRejections;
    },
  };
}

/** Ties `counter` to a request's context (by its `clients`) and returns the context unchanged. */
export function withUpstreamCallCounter<C extends WithClients>(context: C, counter: UpstreamCallCounter): C {
  counters.set(context.clients, counter);
  return context;
}

/** The counter tied to this context (or a copy of it), if the edge made one. */
export function upstreamCallCounterOf(context: WithClients): UpstreamCallCounter | undefined {
  return counters.get(context.clients);
}
