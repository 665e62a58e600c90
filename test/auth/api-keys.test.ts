import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyStore, hashApiKey, loadApiKeys } from '../../src/auth/api-keys.js';
import { ConfigError } from '../../src/config.js';
import type { Gateway } from '../../src/gateway.js';
import { startFixtureUpstream, type FixtureUpstream } from '../helpers/fixture-upstream.js';
import { gql, startTestGateway } from '../helpers/gateway.js';

const run = promisify(execFile);
const PARTNER_KEY = 'acme-live-7f3c9a1e5b2d4f6a8c0e';
const CATALOG = '{ products(first: 1) { edges { node { id price { amount } } } } }';
/** Keys of 256 characters are the longest taken; a longer one is refused unhashed, even with its hash on file. */
const LONGEST_KEY = 'k'.repeat(256);
const TOO_LONG_KEY = 'k'.repeat(257);

let dir: string;
let upstream: FixtureUpstream;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bff-api-keys-'));
  upstream = await startFixtureUpstream();
});
afterAll(async () => {
  await upstream.close();
  rmSync(dir, { recursive: true, force: true });
});

function keysFile(name: string, content: string): string {
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
}

describe('API keys', () => {
  it('`npm run token -- --hash-key` prints the SHA-256 that API_KEYS_FILE stores', async () => {
    const { stdout } = await run('npm', ['run', '-s', 'token', '--', '--hash-key', PARTNER_KEY], { cwd: process.cwd() });
    expect(stdout.trim()).toBe(createHash('sha256').update(PARTNER_KEY).digest('hex'));
  }, 30_000);

  describe('a gateway reading API_KEYS_FILE', () => {
    let gateway: Gateway;
    beforeAll(async () => {
      const file = keysFile('keys.json', JSON.stringify([
        { consumer: 'acme', tier: 'pro', scopes: ['catalog:read'], sha256: hashApiKey(PARTNER_KEY) },
        { consumer: 'longest', tier: 'free', scopes: ['catalog:read'], sha256: hashApiKey(LONGEST_KEY) },
        { consumer: 'too-long', tier: 'free', scopes: ['catalog:read'], sha256: hashApiKey(TOO_LONG_KEY) },
      ]));
      gateway = await startTestGateway({ upstreams: upstream.urls, env: { API_KEYS_FILE: file } });
    });
    afterAll(() => gateway.close());

    it('accepts a key whose hash is in the file, as its consumer', async () => {
      const before = upstream.requests.length;
      const { status, body } = await gql(gateway, 'public', CATALOG, {}, { 'x-api-key': PARTNER_KEY });
      expect(status).toBe(200);
      expect(body.errors).toBeUndefined();
      const sent = upstream.requests.slice(before);
      expect(sent.map((r) => r.headers['x-consumer-id'])).toEqual(sent.map(() => 'acme'));
      expect(sent.find((r) => r.service === 'pricing')!.query.get('tier')).toBe('pro');
    });

    it('takes a key of up to 256 characters, and refuses a longer one even when its hash is in the file', async () => {
      expect((await gql(gateway, 'public', CATALOG, {}, { 'x-api-key': LONGEST_KEY })).status).toBe(200);
      const { status, headers, body } = await gql(gateway, 'public', CATALOG, {}, { 'x-api-key': TOO_LONG_KEY });
      expect(status).toBe(401);
      expect(headers.get('www-authenticate')).toBe('ApiKey');
      expect(body.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
    });

    it('answers an unknown key, and the demo keys, with 401 UNAUTHENTICATED', async () => {
      for (const key of ['no-such-key', 'demo-public-key-pro', `${PARTNER_KEY}x`, PARTNER_KEY.toUpperCase()]) {
        const { status, headers, body } = await gql(gateway, 'public', CATALOG, {}, { 'x-api-key': key });
        expect(status).toBe(401);
        expect(headers.get('www-authenticate')).toBe('ApiKey');
        expect(body.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
        expect(JSON.stringify(body)).not.toContain(key);
      }
    });
  });

  it('refuses to start with a bad API_KEYS_FILE (ConfigError naming the variable)', async () => {
    const file = keysFile('broken.json', '{ not json');
    const started = startTestGateway({ upstreams: upstream.urls, env: { API_KEYS_FILE: file } });
    await expect(started).rejects.toBeInstanceOf(ConfigError);
    await expect(started).rejects.toThrow(/API_KEYS_FILE/);
  });

  const bad: [string, string][] = [
    ['not JSON', '{ not json'],
    ['not an array', JSON.stringify({ consumer: 'acme' })],
    ['a hash that is not 64 hex digits', JSON.stringify([{ consumer: 'acme', tier: 'pro', scopes: [], sha256: 'abc' }])],
    ['a plain-text key instead of a hash', JSON.stringify([{ consumer: 'acme', tier: 'pro', scopes: [], key: PARTNER_KEY }])],
    ['an unknown tier', JSON.stringify([{ consumer: 'acme', tier: 'platinum', scopes: [], sha256: hashApiKey('k') }])],
    ['scopes that are not strings', JSON.stringify([{ consumer: 'acme', tier: 'pro', scopes: [1], sha256: hashApiKey('k') }])],
    ['an empty consumer', JSON.stringify([{ consumer: '', tier: 'pro', scopes: [], sha256: hashApiKey('k') }])],
    [
      'one key for two consumers (the hash in another case too)',
      JSON.stringify([
        { consumer: 'acme', tier: 'pro', scopes: [], sha256: hashApiKey('k') },
        { consumer: 'globex', tier: 'free', scopes: [], sha256: hashApiKey('k').toUpperCase() },
      ]),
    ],
  ];
  for (const [what, content] of bad) {
    it(`rejects a keys file with ${what}`, () => {
      const file = keysFile(`bad-${what.replace(/\W+/g, '-')}.json`, content);
      expect(() => loadApiKeys(file)).toThrow(ConfigError);
      expect(() => loadApiKeys(file)).toThrow(/API_KEYS_FILE/);
    });
  }

  it('names both entries that hold the same key', () => {
    const twice = { tier: 'pro', scopes: [], sha256: hashApiKey('shared') };
    const file = keysFile('twice.json', JSON.stringify([{ consumer: 'a', ...twice }, { consumer: 'b', tier: 'free', scopes: [], sha256: hashApiKey('other') }, { consumer: 'c', ...twice }]));
    expect(() => loadApiKeys(file)).toThrow('API_KEYS_FILE[2]: the same key (sha256) as API_KEYS_FILE[0]');
  });

  it('finds each of 10,000 keys as its own consumer, whatever its place in the file', () => {
    const store = new ApiKeyStore(
      Array.from({ length: 10_000 }, (_, i) => ({ consumer: `partner-${i}`, tier: i % 2 === 0 ? ('pro' as const) : ('free' as const), scopes: ['catalog:read'], sha256: hashApiKey(`key-${i}`) })),
    );
    expect(store.size).toBe(10_000);
    for (const i of [0, 1, 4_999, 9_998, 9_999]) expect(store.lookup(`key-${i}`)).toMatchObject({ kind: 'apiKey', id: `partner-${i}`, tier: i % 2 === 0 ? 'pro' : 'free' });
    expect(store.lookup('key-10000')).toBeNull();
  });

  it('rejects a missing keys file', () => {
    expect(() => loadApiKeys(join(dir, 'does-not-exist.json'))).toThrow(ConfigError);
  });

  it('finds a key wherever it sits in the store, whatever the length presented', () => {
    const store = new ApiKeyStore(
      ['first', 'second', 'third'].map((consumer) => ({ consumer, tier: 'free' as const, scopes: [], sha256: hashApiKey(`${consumer}-key`) })),
    );
    expect(store.lookup('third-key')?.id).toBe('third');
    expect(store.lookup('first-key')?.id).toBe('first');
    // Any presented length is looked up by its 32-byte hash: nothing that throws.
    for (const presented of ['', 'x', 'third-ke', 'third-key-', 'y'.repeat(256)]) expect(store.lookup(presented)).toBeNull();
  });
});
