import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { OverloadConfig } from '../config.js';

/** What a refused request is told (503 `OVERLOADED`). */
export const OVERLOADED_MESSAGE = 'The gateway is overloaded; retry later.';

/** Why a request was refused: the process is busy with too many requests, or its event loop lags. */
export type ShedReason = 'in_flight' | 'event_loop_delay';

export interface OverloadGuard {
  /**
   * Would a new GraphQL request be refused now? Asked as soon as its headers
   * are read, so a refusal costs nothing more; counts nothing (a refusal is
   * remembered for `/readyz`, as `admit`'s).
   */
  check(): ShedReason | null;
  /**
   * Decides on one GraphQL request whose body has arrived, before any work is
   * done for it: null admits it (counted in flight until `release`), a reason
   * refuses it.
   */
  admit(): ShedReason | null;
  /**
   * Counts in flight a GraphQL request the edge thread already admitted
   * against this guard's limit and lag (published to it every 20 ms): never
   * refused here, so no refusal of a forwarded request waits for this event
   * loop. `release` ends it as `admit`'s.
   */
  enter(): void;
  /** The work for an admitted request is over (answered, or given up after its client left). */
  release(): void;
  /**
   * Called for an admitted request before any work is done for it: null when
   * one of the running slots is free (it takes it), else a promise that
   * settles, in arrival order, when one is. The running slots adapt: they
   * grow while requests wait and the event loop has time to spare (slow
   * upstreams), so that a burst that arrives at once is worked through
   * oldest first rather than all side by side, each finished as late as the
   * last. `finish` gives the slot back.
   */
  start(): Promise<void> | null;
  /** The work for a started request is over. */
  finish(): void;
  /** New requests were refused at the limit by the edge thread: the limit counts as reached, and `/readyz` reports shedding. */
  refusedElsewhere(): void;
  /** True while the guard is refusing, or refused within the last second: `/readyz` answers 503. */
  shedding(): boolean;
  /** The limit a new request meets now: the in-flight limit, or 0 while the event loop lags (every request refused). For the edge thread. */
  admissionLimit(): number;
  /** What the guard sees now, for metrics and the verbose status. */
  stats(): OverloadStats;
  close(): void;
}

/**
 * In-flight requests, the in-flight limit now (adaptive), the last sampled
 * event-loop delay (ms), and the running slots: requests running, their limit
 * now (0 without the adaptive limit) and requests waiting.
 */
export interface OverloadStats {
  inFlight: number;
  inFlightLimit: number;
  eventLoopDelayMs: number;
  running: number;
  runningLimit: number;
  waiting: number;
}

/** How often the event-loop delay is sampled; shedding starts after two windows over the limit. */
const WINDOW_MS = 250;
/**
 * How often the loop is looked at between windows: with the limit reached, a
 * tick later than the target, or one in which requests waited for a running
 * slot while the loop had no time to spare, cuts the limit at once, so an
 * abrupt overload is met within tens of milliseconds, not at the window's
 * end; the running slots grow at the ticks.
 */
const TICK_MS = 25;
const WINDOWS_OVER_TO_SHED = 2;
/** A refusal keeps `/readyz` at 503 this long, so a probe between bursts still sees the overload. */
const SHEDDING_MEMORY_MS = 1_000;
/**
 * The running slots an admitted request meets at first and decays back to
 * (never more than the cap): enough for the normal load of a process whose
 * upstreams answer at once, few enough that a burst is served oldest first.
 */
export const INITIAL_RUNNING_LIMIT = 16;
/** A tick whose event loop was busy less than this share of the time has CPU to spare for more running requests. */
const SPARE_UTILISATION = 0.9;
/** The adaptive in-flight limit never falls below this (or below the cap, when the cap is lower). */
export const MIN_ADAPTIVE_LIMIT = 8;

/**
 * The in-flight limit for the next window (AIMD, as TCP and Envoy's adaptive
 * concurrency do): a window whose event-loop delay was over `targetMs` *and*
 * in which the limit was reached cuts it by a quarter to a half (by how late
 * it ran: `targetMs ÷ delay`, within those bounds); a window under the
 * target grows it by a tenth (at least 1), up to `cap`. A late loop with the
 * limit never reached leaves it alone: requests that the limit does not hold
 * back (a saturated but not overloaded process, a noisy neighbour) are not
 * refused because of it.
 */
export function adaptLimit(limit: number, delayMs: number, reached: boolean, cap: number, targetMs: number): number {
  if (delayMs > targetMs) {
    if (!reached) return limit;
    // The later the loop, the deeper the cut: a quarter just over the target, half at twice the target or more, so
    // an overload that starts at the cap reaches a limit the core can keep in three windows rather than seven.
    const factor = Math.max(0.5, Math.min(0.75, targetMs / delayMs));
    return Math.max(Math.min(MIN_ADAPTIVE_LIMIT, cap), Math.floor(limit * factor));
  }
  return Math.min(cap, limit + Math.max(1, Math.floor(limit * 0.1)));
}

/**
 * Load shedding at the edge (per process). Two signals, each off at `0`:
 *
 * - in-flight GraphQL requests: past the limit, queueing more work only adds
 *   latency for everyone already waiting, so the next request is refused at
 *   once (Little's law: latency ≈ in-flight ÷ throughput). The limit adapts
 *   (`adaptLimit`): while the event loop runs late with the limit reached it
 *   shrinks, so a process that is out of CPU admits only what it can finish
 *   quickly, and the CPU a refusal needs is left over; while the loop keeps
 *   time it grows back to the cap, so slow upstreams (many requests waiting,
 *   little CPU) are not limited.
 *   Of the admitted requests, as many run side by side as the running slots
 *   allow (`start`), the others waiting oldest first: 16 at first, more while
 *   they wait on upstreams rather than for the CPU.
 * - event-loop delay (p99 of each 250 ms window, from `monitorEventLoopDelay`):
 *   when it stays over the limit for two windows the process is CPU-starved,
 *   and every new request is refused until a window comes back under it.
 *
 * Refusing costs a few microseconds and touches no parser, credentials,
 * budget or upstream.
 */
// Monotonic: with the wall clock, the system clock set back (an NTP step, a VM resumed) after a refusal kept
// `/readyz` at 503 for as long as the step.
export function createOverloadGuard(config: Omit<OverloadConfig, 'edgeThread' | 'mainThreadNice'>, now: () => number = () => performance.now()): OverloadGuard {
  let inFlight = 0;
  let lastShedAt = -Infinity;
  let eventLoopDelayMs = 0;
  let windowsOver = 0;
  let lagging = false;
  const adaptive = config.maxInFlight > 0 && config.targetEventLoopDelayMs > 0;
  let limit = config.maxInFlight;
  /** Whether in-flight requests reached `limit` since the last window, and since the last tick. */
  let reached = false;
  let reachedSinceTick = false;
  const histogram = config.maxEventLoopDelayMs > 0 || adaptive ? monitorEventLoopDelay({ resolution: 10 }) : null;
  // The running slots (`start`): used only with the adaptive limit, whose ticks grow them.
  let running = 0;
  const initialRunningLimit = Math.min(config.maxInFlight, INITIAL_RUNNING_LIMIT);
  let runningLimit = adaptive ? initialRunningLimit : Infinity;
  /** Admitted requests waiting for a running slot, oldest first: how each is told its turn. */
  const waiters: (() => void)[] = [];
  let waitedThisWindow = false;
  /** Starts as many waiting requests, oldest first, as the running slots allow. */
  const wake = () => {
    while (running < runningLimit && waiters.length > 0) {
      running += 1;
      waiters.shift()!();
    }
  };
  let utilisation = performance.eventLoopUtilization();
  let timer: NodeJS.Timeout | undefined;
  if (histogram) {
    histogram.enable();
    let windowStart = performance.now();
    let lastTick = windowStart;
    let cutThisWindow = false;
    timer = setInterval(() => {
      const at = performance.now();
      const lateMs = at - lastTick - TICK_MS;
      lastTick = at;
      if (adaptive) {
        const sample = performance.eventLoopUtilization();
        const busy = performance.eventLoopUtilization(sample, utilisation).utilization;
        utilisation = sample;
        if (waiters.length > 0 && busy < SPARE_UTILISATION) {
          // Requests wait for a running slot while the loop has time to spare: they wait on upstreams, not for the CPU.
          runningLimit = Math.min(config.maxInFlight, runningLimit + Math.max(1, Math.floor(runningLimit / 4)));
        } else if ((reachedSinceTick || inFlight >= limit) && (waiters.length > 0 || lateMs > config.targetEventLoopDelayMs)) {
          // The fast cut, at the limit: admitted requests wait for a CPU that has none to spare (halved), or the loop
          // ran this late (by how late). An overload that begins is met within tens of milliseconds, not at the
          // window's end, and fewer requests admitted at its start wait for each other.
          limit = adaptLimit(limit, waiters.length > 0 ? Math.max(lateMs, 2 * config.targetEventLoopDelayMs) : lateMs, true, config.maxInFlight, config.targetEventLoopDelayMs);
          cutThisWindow = true;
        }
        wake();
      }
      reachedSinceTick = false;
      if (at - windowStart < WINDOW_MS) return;
      windowStart = at;
      eventLoopDelayMs = histogram.count > 0 ? histogram.percentile(99) / 1e6 : 0;
      histogram.reset();
      if (config.maxEventLoopDelayMs > 0) {
        windowsOver = eventLoopDelayMs > config.maxEventLoopDelayMs ? windowsOver + 1 : 0;
        lagging = windowsOver >= WINDOWS_OVER_TO_SHED;
      }
      // A window that already cut at a late tick is not judged again (nor grown back by its other ticks).
      if (adaptive && !cutThisWindow) limit = adaptLimit(limit, eventLoopDelayMs, reached || inFlight >= limit, config.maxInFlight, config.targetEventLoopDelayMs);
      reached = false;
      cutThisWindow = false;
      // Slots no request waited for in a whole window go back, a tenth at a time, to where they started.
      if (adaptive && !waitedThisWindow && runningLimit > initialRunningLimit) {
        runningLimit = Math.max(initialRunningLimit, runningLimit - Math.max(1, Math.floor(runningLimit / 10)));
      }
      waitedThisWindow = waiters.length > 0;
    }, TICK_MS);
    timer.unref();
  }

  const refuse = (reason: ShedReason): ShedReason => {
    lastShedAt = now();
    return reason;
  };

  const check = (): ShedReason | null => {
    if (lagging) return refuse('event_loop_delay');
    if (config.maxInFlight > 0 && inFlight >= limit) {
      reached = true;
      reachedSinceTick = true;
      return refuse('in_flight');
    }
    return null;
  };

  return {
    check,
    admit() {
      const shed = check();
      if (shed !== null) return shed;
      inFlight += 1;
      if (inFlight >= limit) reached = reachedSinceTick = true;
      return null;
    },
    enter() {
      inFlight += 1;
      if (inFlight >= limit) reached = reachedSinceTick = true;
    },
    release() {
      inFlight -= 1;
    },
    start() {
      if (running < runningLimit) {
        running += 1;
        return null;
      }
      waitedThisWindow = true;
      return new Promise<void>((turn) => waiters.push(turn));
    },
    finish() {
      running -= 1;
      wake();
    },
    refusedElsewhere() {
      if (!lagging) reached = reachedSinceTick = true;
      refuse(lagging ? 'event_loop_delay' : 'in_flight');
    },
    admissionLimit: () => (lagging ? 0 : config.maxInFlight > 0 ? limit : 2 ** 31 - 1),
    shedding: () => lagging || now() - lastShedAt < SHEDDING_MEMORY_MS,
    stats: () => ({ inFlight, inFlightLimit: limit, eventLoopDelayMs, running, runningLimit: Number.isFinite(runningLimit) ? runningLimit : 0, waiting: waiters.length }),
    close() {
      if (timer) clearInterval(timer);
      histogram?.disable();
    },
  };
}
