import { describe, expect, it } from 'vitest';
import { isRetryableStatus, isRetryableTransportError, retryAfterMs, retryDelayMs } from '../../clients/retry-policy.js';

const transport = (code: string, name = 'RequestError', event?: string) => Object.assign(new Error('x'), { code, name, event });

describe('Clients: retry policy', () => {
  it('retries 502, 503 and 504 only', () => {
    expect([500, 501, 502, 503, 504, 429, 404].filter(isRetryableStatus)).toEqual([502, 503, 504]);
  });

  it('retries refused and reset connections and connect timeouts, not read timeouts or DNS failures', () => {
    expect(isRetryableTransportError(transport('ECONNREFUSED'))).toBe(true);
    expect(isRetryableTransportError(transport('ECONNRESET'))).toBe(true);
    expect(isRetryableTransportError(transport('ETIMEDOUT', 'TimeoutError', 'connect'))).toBe(true);
    expect(isRetryableTransportError(transport('ETIMEDOUT', 'TimeoutError', 'request'))).toBe(false);
    expect(isRetryableTransportError(transport('ENOTFOUND'))).toBe(false);
    expect(isRetryableTransportError('ECONNRESET')).toBe(false);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(retryAfterMs('3600')).toBe(3_600_000);
    expect(retryAfterMs(new Date(Date.now() + 60_000).toUTCString())).toBeGreaterThan(50_000);
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs(undefined)).toBeUndefined();
  });

  it('waits 25–100 ms with jitter, gives up on a long Retry-After, and never waits past the deadline', () => {
    for (let i = 0; i < 50; i += 1) {
      const wait = retryDelayMs(undefined, 0, 5000) ?? -1;
      expect(wait).toBeGreaterThanOrEqual(25);
      expect(wait).toBeLessThanOrEqual(100);
    }
    expect(retryDelayMs('3600', 0, 5000)).toBeUndefined();
    // Long, yet inside the deadline: a service asking for a second is not back in time to be worth the wait.
    expect(retryDelayMs('1', 0, 5000)).toBeUndefined();
    expect(retryDelayMs(undefined, 4950, 5000)).toBeUndefined();
    expect(retryDelayMs('0', 0, 5000)).toBeGreaterThanOrEqual(25);
  });
});
