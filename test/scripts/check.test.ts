import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import net from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { URL_VARIABLES } from '../../src/config.js';
import { tempFile } from '../helpers/temp-file.js';

const run = promisify(execFile);

/** `npm start -- --check` as the process runs it (scripts/start.mjs, then dist/main.js): exit code, stdout, stderr. */
async function check(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['scripts/start.mjs', '--check'], {
      env: { PATH: process.env['PATH'] ?? '', ...env },
      timeout: 20_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout: string; stderr: string };
    return { code: failed.code ?? -1, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const summaryOf = (stdout: string) => {
  expect(stdout).toMatch(/^configuration valid: /);
  return JSON.parse(stdout.slice('configuration valid: '.length)) as Record<string, unknown>;
};

const keyHash = (key: string) => createHash('sha256').update(key).digest('hex');

describe('`npm start -- --check`: the configuration checked without starting anything', () => {
  // A port this test holds: a gateway that tried to listen on it would fail with exit 2 naming PORT.
  let held: net.Server;
  let port: number;
  beforeAll(async () => {
    held = net.createServer();
    await new Promise<void>((resolve) => held.listen(0, '127.0.0.1', resolve));
    port = (held.address() as net.AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => held.close(() => resolve())));

  it("says what a laptop's `npm start` would serve, and listens on nothing", async () => {
    const { code, stdout } = await check({ PORT: String(port), HOST: '127.0.0.1' });
    expect(code).toBe(0);
    expect(summaryOf(stdout)).toMatchObject({
      production: false,
      audiences: ['mobile', 'web', 'public'],
      port,
      upstreams: 'embedded demo services',
      tokens: 'development secret',
      apiKeys: 'demo keys',
      redis: 'none (state in process memory)',
      tracing: 'off',
    });
  });

  it('reads every file a production configuration names, and shows no credential of any URL', async () => {
    const keys = tempFile('keys.json', [
      { consumer: 'acme', tier: 'pro', scopes: ['catalog:read'], sha256: keyHash('acme-key') },
      { consumer: 'globex', tier: 'free', scopes: ['catalog:read'], sha256: keyHash('globex-key') },
    ]);
    // A user or password in a service's URL stops the start (none would be sent): the proxy's are the ones to hide.
    const urls = Object.fromEntries(Object.values(URL_VARIABLES).map((name) => [name, `http://${name.toLowerCase()}.internal:8080/`]));
    const { code, stdout } = await check({
      ...urls,
      NODE_USE_ENV_PROXY: '1',
      HTTPS_PROXY: 'http://svc-user:svc-pass@egress.internal:3128',
      NO_PROXY: '.internal',
      NODE_ENV: 'production',
      PORT: String(port),
      JWT_SECRET: 'a-production-secret-that-is-long-enough-for-hs256',
      API_KEYS_FILE: keys,
      REDIS_URL: 'redis://:redis-pass@redis.internal:6379/0',
    });
    expect(code).toBe(0);
    const summary = summaryOf(stdout);
    expect(summary).toMatchObject({
      production: true,
      tokens: 'JWT_SECRET',
      apiKeys: 2,
      redis: 'redis://redis.internal:6379/0',
      trustedDocuments: { mobile: { mode: 'required', manifestOperations: expect.any(Number) }, web: { mode: 'required' } },
    });
    expect((summary['upstreams'] as Record<string, string>)['users']).toBe('http://users_url.internal:8080/');
    expect(summary['egressProxy']).toEqual({ http: 'direct', https: 'http://egress.internal:3128/', noProxy: ['.internal'] });
    expect(stdout).not.toMatch(/svc-pass|redis-pass|svc-user|a-production-secret/);
  });

  it('exits 2 naming the problem: an unreadable keys file, a bad port, production without a key', async () => {
    const broken = tempFile('keys.json', '[{"consumer": "acme"');
    const badKeys = await check({ API_KEYS_FILE: broken });
    expect(badKeys.code).toBe(2);
    expect(badKeys.stderr).toContain('API_KEYS_FILE');
    expect(badKeys.stdout).toBe('');
    const badPort = await check({ PORT: 'eighty' });
    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toContain('PORT');
    const noKey = await check({ NODE_ENV: 'production' });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain('JWT_SECRET or JWT_JWKS_URL');
  });
});
