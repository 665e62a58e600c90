import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { throttledWarn } from '../../src/observability/throttled-log.js';
import { captureLogs } from '../helpers/gateway.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('A throttled warning', () => {
  it('says once per interval how many it held back', async () => {
    const { lines, destination } = captureLogs();
    const warn = throttledWarn(createLogger('warn', destination), 'redis unreachable', 100);
    warn(new Error('one'));
    warn(new Error('two'));
    warn(new Error('three'));
    await new Promise((resolve) => setTimeout(resolve, 150));
    warn(new Error('four'));
    expect(lines.map((line) => JSON.parse(line) as { reason: string; suppressed: number })).toMatchObject([
      { reason: 'one', suppressed: 0 },
      { reason: 'four', suppressed: 2 },
    ]);
  });

  // On the wall clock, a step back (an NTP correction, a VM resumed) silenced the warning until the clock had caught up.
  it('is not silenced by the wall clock stepping back', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { lines, destination } = captureLogs();
    const warn = throttledWarn(createLogger('warn', destination), 'redis unreachable', 100);
    warn(new Error('before the step'));
    vi.setSystemTime(Date.now() - 3_600_000);
    await new Promise((resolve) => setTimeout(resolve, 150));
    warn(new Error('after the step'));
    expect(lines.map((line) => (JSON.parse(line) as { reason: string }).reason)).toEqual(['before the step', 'after the step']);
  });
});
