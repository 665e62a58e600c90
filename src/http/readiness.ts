/** The gateway's own ability to take traffic: the only thing `/readyz` answers for. */
export type ReadinessState = 'ready' | 'draining' | 'overloaded';

export interface Readiness {
  state(): ReadinessState;
  /** SIGTERM arrived: from now on `/readyz` answers 503, whatever else happens. */
  drain(): void;
}

/**
 * Ready once started (the edge only listens after everything is up) and while
 * neither draining nor shedding load. Upstream and Redis health are left out
 * on purpose: they are the same for every replica, so counting them would take
 * all replicas out of rotation at once where partial answers were possible.
 */
export function createReadiness(overloaded: () => boolean): Readiness {
  let draining = false;
  return {
    state: () => (draining ? 'draining' : overloaded() ? 'overloaded' : 'ready'),
    drain() {
      draining = true;
    },
  };
}
