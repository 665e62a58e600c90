/**
 * A retry budget per service, so a failing service is not hammered: retries
 * stay at most `ratio` of calls, plus a small reserve for a quiet service's
 * first blips. Token bucket in the style of Finagle's and gRPC's retry
 * throttling: every call deposits `ratio` of a token, every retry withdraws a
 * whole one, and at most `reserve` tokens are banked. So over any stretch of
 * N calls, retries ≤ ratio × N + reserve, with no clock involved.
 */

export interface RetryBudgetOptions {
  /** Retries allowed per call, on average. Default 0.2 (20%). */
  ratio?: number;
  /** Tokens banked at most (and at start). Default 10. */
  reserve?: number;
}

export interface RetryBudget {
  /** Records one call (its first attempt). */
  deposit(): void;
  /** Takes one retry from the budget; false when the budget is spent. */
  withdraw(): boolean;
}

/** Builds one service's budget. */
export function createRetryBudget(options: RetryBudgetOptions = {}): RetryBudget {
  const ratio = Math.max(0, options.ratio ?? 0.2);
  const reserve = Math.max(1, options.reserve ?? 10);
  let tokens = reserve;
  return {
    deposit() {
      tokens = Math.min(reserve, tokens + ratio);
    },
    withdraw() {
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
  };
}
