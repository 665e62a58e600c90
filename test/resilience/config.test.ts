import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('Resilience settings in the configuration', () => {
  it('defaults to a circuit of 5 failures and 10 s, and a 10 s headers timeout', () => {
    expect(loadConfig({})).toMatchObject({ circuitFailureThreshold: 5, circuitCooldownMs: 10_000, headersTimeoutMs: 10_000 });
  });

  it('reads CIRCUIT_FAILURE_THRESHOLD, CIRCUIT_COOLDOWN_MS and HEADERS_TIMEOUT_MS', () => {
    const config = loadConfig({ CIRCUIT_FAILURE_THRESHOLD: '3', CIRCUIT_COOLDOWN_MS: '200', HEADERS_TIMEOUT_MS: '500' });
    expect(config).toMatchObject({ circuitFailureThreshold: 3, circuitCooldownMs: 200, headersTimeoutMs: 500 });
  });

  it.each([
    ['CIRCUIT_FAILURE_THRESHOLD', '0'],
    ['CIRCUIT_COOLDOWN_MS', 'soon'],
    // Node refuses a headers timeout above the 30 s request timeout.
    ['HEADERS_TIMEOUT_MS', '60000'],
  ])('refuses %s=%s, naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });
});
