/**
 * Holds requests until `expected` of them have arrived, then releases them
 * all. If they never all arrive together (because the caller sends them one
 * after another), it gives up after `patienceMs`, releases what it holds and
 * reports the failure — so a sequential caller fails the test instead of
 * hanging it. Structure, not timing: a parallel caller passes however slow
 * the machine is, as long as it is faster than the patience.
 */
export function createBarrier(expected: number, patienceMs = 3_000) {
  const arrived: string[] = [];
  const waiting: (() => void)[] = [];
  let released = false;
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const releaseAll = () => {
    released = true;
    if (timer) clearTimeout(timer);
    for (const go of waiting.splice(0)) go();
  };
  return {
    /** Await this from the upstream's request hook. */
    async arrive(label: string): Promise<void> {
      if (released) return;
      arrived.push(label);
      if (arrived.length >= expected) return releaseAll();
      timer ??= setTimeout(() => {
        timedOut = true;
        releaseAll();
      }, patienceMs);
      await new Promise<void>((resolve) => waiting.push(resolve));
    },
    /** What arrived while the barrier was closed, in order. */
    arrived,
    get metTogether(): boolean {
      return released && !timedOut && arrived.length >= expected;
    },
  };
}
