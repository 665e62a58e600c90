/**
 * A per-service circuit breaker (the classic closed → open → half-open cycle,
 * as in Envoy's outlier detection and resilience4j): after `failureThreshold`
 * consecutive failed attempts the service is not called at all for
 * `cooldownMs`; then exactly one probe is let through, and its outcome closes
 * or re-opens the circuit (HOSTILE-INPUTS row 36).
 */
import { performance } from 'node:perf_hooks';

/** `open` only while cooling down; once the cool-down is over the next call is the probe: `half-open`. */
export type CircuitState = 'closed' | 'open' | 'half-open';

/**
 * What one attempt says about the service's health. 4xx answers are
 * `success`: the service is up and judged the request, not itself.
 * `local`: the attempt failed here before reaching the service (no file
 * descriptor, no local port): it says nothing either way, and a probe that
 * ends so leaves the next call to probe.
 */
export type AttemptVerdict = 'success' | 'failure' | 'local';

/** Leave to make one attempt; `report` it exactly once when the attempt is over. */
export interface Permit {
  report(verdict: AttemptVerdict): void;
}

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. Default 5. */
  failureThreshold?: number;
  /** Time an open circuit fails fast before the probe. Default 10000. */
  cooldownMs?: number;
  /** Told of every state change (for logs). */
  onChange?: (state: CircuitState) => void;
  /** Milliseconds clock; tests may pass their own. */
  now?: () => number;
}

export interface CircuitBreaker {
  /** A permit to call the service now, or `undefined` to fail fast without calling it. */
  acquire(): Permit | undefined;
  state(): CircuitState;
}

/** Builds one breaker; every service gets its own. */
export function createCircuitBreaker(options: CircuitBreakerOptions = {}): CircuitBreaker {
  const threshold = Math.max(1, options.failureThreshold ?? 5);
  const cooldownMs = Math.max(0, options.cooldownMs ?? 10_000);
  const now = options.now ?? (() => performance.now());
  let stored: 'closed' | 'open' | 'half-open' = 'closed';
  let failures = 0;
  let openedAt = 0;
  let probing = false;
  // Bumped on every transition: a report from an attempt started under an
  // earlier state (a slow call that began before the circuit opened) is stale.
  let generation = 0;

  const move = (next: typeof stored) => {
    if (next === stored) return;
    stored = next;
    generation += 1;
    failures = 0;
    probing = false;
    if (next === 'open') openedAt = now();
    options.onChange?.(next);
  };

  const permit = (issuedIn: number): Permit => {
    let reported = false;
    return {
      report(verdict) {
        if (reported || issuedIn !== generation) return;
        reported = true;
        if (verdict === 'local') {
          if (stored === 'half-open') probing = false;
          return;
        }
        if (stored === 'half-open') {
          move(verdict === 'success' ? 'closed' : 'open');
          return;
        }
        if (verdict === 'success') failures = 0;
        else if (++failures >= threshold) move('open');
      },
    };
  };

  return {
    acquire() {
      if (stored === 'open' && now() - openedAt >= cooldownMs) move('half-open');
      if (stored === 'closed') return permit(generation);
      if (stored === 'half-open' && !probing) {
        probing = true;
        return permit(generation);
      }
      return undefined;
    },
    state() {
      if (stored === 'open' && now() - openedAt >= cooldownMs) return 'half-open';
      return stored;
    },
  };
}
