import { spawnSync } from 'node:child_process';
import { decodeJwt, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

/** `npm run token -- …`, run as npm runs it (tsx), with the development secret. */
function token(...args: string[]) {
  const env = { ...process.env };
  for (const name of ['JWT_SECRET', 'JWT_JWKS_URL', 'JWT_ISSUER', 'JWT_AUDIENCE', 'NODE_ENV']) delete env[name];
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/auth/token-cli.ts', ...args], { encoding: 'utf8', env, timeout: 30_000 });
}

describe('The token tool (npm run token)', () => {
  it('prints a token signed with the development secret, with the tier, scope and lifetime asked for', async () => {
    const run = token('--sub', 'u7', '--tier', 'pro', '--ttl', '60', '--scope', 'orders:write');
    expect(run.status).toBe(0);
    const config = loadConfig({});
    if (config.jwt.kind !== 'secret') throw new Error('the development configuration signs with a secret');
    const { payload } = await jwtVerify(run.stdout.trim(), new TextEncoder().encode(config.jwt.secret), { algorithms: ['HS256'] });
    expect(payload).toMatchObject({ sub: 'u7', tier: 'pro', scope: 'orders:write' });
    expect(payload.exp! - payload.iat!).toBe(60);
  });

  it.each([
    [['--tier', 'gold'], '--tier must be one of free, pro, enterprise (got "gold")'],
    [['--ttl', 'abc'], '--ttl must be a whole number of seconds (got "abc")'],
    [['--ttl', '0'], '--ttl must be a whole number of seconds (got "0")'],
    // Read as an option of its own by the argument parser.
    [['--ttl', '-5'], "'--ttl'"],
  ])('refuses %j with a usage line instead of printing a token the gateway would refuse', (args, message) => {
    const run = token('--sub', 'u1', ...args);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(message);
    expect(run.stderr).toContain('usage: npm run token');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('still prints a usable token with the defaults', () => {
    const run = token('--sub', 'u1');
    expect(run.status).toBe(0);
    expect(decodeJwt(run.stdout.trim())).toMatchObject({ sub: 'u1', scope: 'orders:write notifications:write' });
  });
});
