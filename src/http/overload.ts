import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { OverloadConfig } from '../config.js';

/** Why a request was refused: the process is busy with too many requests, or its event loop lags. */
export type ShedReason = 'in_flight' | 'event_loop_delay';

export interface OverloadGuard {
  /**
   * Decides on one new GraphQL request before any work is done for it: null
   * admits it (counted in flight until `release`), a reason refuses it.
   */
  admit(): ShedReason | null;
  /** The admitted request's response is over (sent or aborted). */
  release(): void;
  /** True while the guard is refusing, or refused within the last second: `/readyz` answers 503. */
  shedding(): boolean;
  /** In-flight requests and the last sampled event-loop delay (ms), for metrics and the verbose status. */
  stats(): { inFlight: number; eventLoopDelayMs: number };
  close(): void;
}

/** How often the event-loop delay is sampled; shedding starts after two windows over the limit. */
const WINDOW_MS = 250;
const WINDOWS_OVER_TO_SHED = 2;
/** A refusal keeps `/readyz` at 503 this long, so a probe between bursts still sees the overload. */
const SHEDDING_MEMORY_MS = 1_000;

/**
 * Load shedding at the edge (per process). Two signals, each off at `0`:
 *
 * - in-flight GraphQL requests: a hard cap. Past it, queueing more work only
 *   adds latency for everyone already waiting, so the next request is refused
 *   at once (Little's law: latency ≈ in-flight ÷ throughput).
 * - event-loop delay (p99 of each 250 ms window, from `monitorEventLoopDelay`):
 *   when it stays over the limit for two windows the process is CPU-starved,
 *   and every new request is refused until a window comes back under it.
 *
 * Refusing costs a few microseconds and touches no parser, credentials,
 * budget or upstream.
 */
export function createOverloadGuard(config: OverloadConfig, now: () => number = Date.now): OverloadGuard {
  let inFlight = 0;
  let lastShedAt = -Infinity;
  let eventLoopDelayMs = 0;
  let windowsOver = 0;
  let lagging = false;
  const histogram = config.maxEventLoopDelayMs > 0 ? monitorEventLoopDelay({ resolution: 10 }) : null;
  let timer: NodeJS.Timeout | undefined;
  if (histogram) {
    histogram.enable();
    timer = setInterval(() => {
      eventLoopDelayMs = histogram.count > 0 ? histogram.percentile(99) / 1e6 : 0;
      histogram.reset();
      windowsOver = eventLoopDelayMs > config.maxEventLoopDelayMs ? windowsOver + 1 : 0;
      lagging = windowsOver >= WINDOWS_OVER_TO_SHED;
    }, WINDOW_MS);
    timer.unref();
  }

  const refuse = (reason: ShedReason): ShedReason => {
    lastShedAt = now();
    return reason;
  };

  return {
    admit() {
      if (lagging) return refuse('event_loop_delay');
      if (config.maxInFlight > 0 && inFlight >= config.maxInFlight) return refuse('in_flight');
      inFlight += 1;
      return null;
    },
    release() {
      inFlight -= 1;
    },
    shedding: () => lagging || now() - lastShedAt < SHEDDING_MEMORY_MS,
    stats: () => ({ inFlight, eventLoopDelayMs }),
    close() {
      if (timer) clearInterval(timer);
      histogram?.disable();
    },
  };
}
