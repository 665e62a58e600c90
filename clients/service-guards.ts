/**
 * The per-service protections the call loop consults: one circuit breaker and
 * one retry budget per backing service, created once per process so every
 * request shares them.
 */
import { createCircuitBreaker, type CircuitBreaker, type CircuitState } from './circuit-breaker.js';
import { SERVICE_NAMES, type ServiceName } from './errors.js';
import { createRetryBudget, type RetryBudget, type RetryBudgetOptions } from './retry-budget.js';

export interface ServiceGuardOptions {
  circuit?: { failureThreshold?: number; cooldownMs?: number };
  retryBudget?: RetryBudgetOptions;
  /** Told when a service's circuit changes state (for logs). */
  onCircuitChange?: (service: ServiceName, state: CircuitState) => void;
}

export interface ServiceGuards {
  breaker(service: ServiceName): CircuitBreaker;
  budget(service: ServiceName): RetryBudget;
  /** Every service's circuit state right now. */
  circuits(): Record<ServiceName, CircuitState>;
}

/** Builds a breaker and a retry budget for each of the seven services. */
export function createServiceGuards(options: ServiceGuardOptions = {}): ServiceGuards {
  const breakers = new Map<ServiceName, CircuitBreaker>();
  const budgets = new Map<ServiceName, RetryBudget>();
  for (const service of SERVICE_NAMES) {
    breakers.set(
      service,
      createCircuitBreaker({
        ...options.circuit,
        onChange: (state) => {
          try {
            options.onCircuitChange?.(service, state);
          } catch {
            // A logging observer must never break a call.
          }
        },
      }),
    );
    budgets.set(service, createRetryBudget(options.retryBudget));
  }
  return {
    breaker: (service) => breakers.get(service)!,
    budget: (service) => budgets.get(service)!,
    circuits() {
      const states = {} as Record<ServiceName, CircuitState>;
      for (const [service, breaker] of breakers) states[service] = breaker.state();
      return states;
    },
  };
}
