/**
 * The one clock of every span: the process's monotonic clock, as
 * milliseconds (`now()`, what span modules pass as a `TimeInput`) and as
 * nanoseconds since the process's time origin (what the recorder keeps),
 * and those nanoseconds back as epoch nanoseconds (what OTLP carries).
 * `Date.now()` has whole milliseconds, which could show a call starting
 * before the one it waited for.
 */
import { performance } from 'node:perf_hooks';
import type { TimeInput } from '@opentelemetry/api';

const ORIGIN_MS = performance.timeOrigin;
const ORIGIN_SECONDS = Math.trunc(ORIGIN_MS / 1000);
const ORIGIN_SUBSECOND_NS = Math.round((ORIGIN_MS % 1000) * 1_000_000);
/** The time origin in epoch nanoseconds, exactly (as `hrTime()` of `@opentelemetry/core` rounds it). */
const ORIGIN_NS = BigInt(ORIGIN_SECONDS) * 1_000_000_000n + BigInt(ORIGIN_SUBSECOND_NS);
/** The same, as the two 32-bit halves of a `fixed64`. */
export const ORIGIN_NS_HIGH = Number(ORIGIN_NS >> 32n);
export const ORIGIN_NS_LOW = Number(ORIGIN_NS & 0xffffffffn);

/** Milliseconds since the time origin: a `TimeInput` the recorder, like the SDK, reads as such. */
export function now(): number {
  return performance.now();
}

/**
 * Any API `TimeInput` as nanoseconds since the time origin. As the SDK reads
 * them: a number below the time origin is `performance.now()` milliseconds,
 * any other number epoch milliseconds; an `HrTime` is epoch [seconds, nanos].
 */
export function sinceOriginNs(time: TimeInput | undefined): number {
  if (time === undefined) return performance.now() * 1_000_000;
  if (typeof time === 'number') return (time < ORIGIN_MS ? time : time - ORIGIN_MS) * 1_000_000;
  if (Array.isArray(time)) return (time[0] - ORIGIN_SECONDS) * 1_000_000_000 + (time[1] - ORIGIN_SUBSECOND_NS);
  return (time.getTime() - ORIGIN_MS) * 1_000_000;
}

/** Nanoseconds since the time origin as epoch nanoseconds. */
export function epochNanos(sinceOrigin: number): bigint {
  return ORIGIN_NS + BigInt(Math.round(sinceOrigin));
}
