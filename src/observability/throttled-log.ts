import type { Logger } from 'pino';

/**
 * A warning that repeats at most once per `intervalMs`, with how many were
 * suppressed: a dependency that is down (Redis reconnecting every couple of
 * seconds) must not flood the log.
 */
export function throttledWarn(logger: Logger, message: string, intervalMs = 30_000): (error: unknown) => void {
  let last = -Infinity;
  let suppressed = 0;
  return (error) => {
    // Not the wall clock: stepped back an hour, it silenced the warning for the hour.
    const now = performance.now();
    if (now - last < intervalMs) {
      suppressed += 1;
      return;
    }
    last = now;
    const reason = error instanceof Error ? error.message : String(error);
    logger.warn({ reason, suppressed }, message);
    suppressed = 0;
  };
}
