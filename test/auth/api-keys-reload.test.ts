import { rmSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { hashApiKey, loadApiKeys, watchApiKeys } from '../../src/auth/api-keys.js';
import type { Gateway } from '../../src/gateway.js';
import { captureLogs, startTestGateway } from '../helpers/gateway.js';
import { SPAWNED_GATEWAY_TEST_MS, spawnGateway, type GatewayProcess } from '../helpers/gateway-process.js';
import { tempFile } from '../helpers/temp-file.js';

const keysFor = (...keys: string[]) =>
  JSON.stringify(keys.map((key) => ({ consumer: `partner-${key}`, tier: 'pro', scopes: ['catalog:read'], sha256: hashApiKey(key) })));

/** The status of a public query made with `key`. */
async function statusWith(url: string, key: string): Promise<number> {
  const response = await fetch(`${url}/public/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': key },
    body: JSON.stringify({ query: '{ products(first: 1) { edges { node { id } } } }' }),
  });
  await response.arrayBuffer();
  return response.status;
}

const linesWith = (lines: string[], msg: string) => lines.map((line) => JSON.parse(line) as { msg: string; problems?: string[]; keys?: number }).filter((line) => line.msg === msg);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let gateway: Gateway | undefined;
let spawned: GatewayProcess | undefined;
afterEach(async () => {
  await gateway?.close();
  if (spawned && spawned.child.exitCode === null) await spawned.stop();
  gateway = spawned = undefined;
});

describe('API_KEYS_FILE read again without a restart', () => {
  it('revokes a removed key and accepts a new one once the file changes', async () => {
    const file = tempFile('keys.json', keysFor('partner-key-old'));
    const logs = captureLogs();
    gateway = await startTestGateway({ env: { API_KEYS_FILE: file, API_KEYS_RELOAD_MS: '50', LOG_LEVEL: 'info' }, logDestination: logs.destination });
    // Both outcomes are series from the start, so an alert's increase() sees the first reload of either.
    expect((await gateway.metrics.render()).body).toMatch(/^bff_api_keys_reloads_total\{outcome="failed"\} 0$/m);
    expect(await statusWith(gateway.url, 'partner-key-old')).toBe(200);
    expect(await statusWith(gateway.url, 'partner-key-new')).toBe(401);

    writeFileSync(file, keysFor('partner-key-new'));
    await expect.poll(() => statusWith(gateway!.url, 'partner-key-old'), { timeout: 5_000 }).toBe(401);
    expect(await statusWith(gateway.url, 'partner-key-new')).toBe(200);
    expect(linesWith(logs.lines, 'API_KEYS_FILE reloaded: its keys are in use now')).toEqual([expect.objectContaining({ keys: 1 })]);
    expect((await gateway.metrics.render()).body).toMatch(/^bff_api_keys_reloads_total\{outcome="reloaded"\} 1$/m);
  });

  it('keeps the keys in use when the new text is not valid or the file is gone, and says so once each', async () => {
    const file = tempFile('keys.json', keysFor('partner-key-kept'));
    const logs = captureLogs();
    gateway = await startTestGateway({ env: { API_KEYS_FILE: file, API_KEYS_RELOAD_MS: '20', LOG_LEVEL: 'info' }, logDestination: logs.destination });
    const failures = () => linesWith(logs.lines, 'API_KEYS_FILE not reloaded: the keys in use stay');
    const rejected = async () => /^bff_api_keys_file_rejected (\d)$/m.exec((await gateway!.metrics.render()).body)?.[1];
    expect(await rejected()).toBe('0');

    // Half written, as an editor or a copy may leave it for a moment.
    writeFileSync(file, keysFor('partner-key-kept', 'partner-key-other').slice(0, 40));
    await expect.poll(() => failures().length, { timeout: 5_000 }).toBe(1);
    expect(failures()[0]!.problems![0]).toMatch(/^API_KEYS_FILE could not be read as JSON/);
    // An entry that is not valid: the whole text is refused, its good entry with it.
    writeFileSync(file, JSON.stringify([...JSON.parse(keysFor('partner-key-other')), { consumer: 'x', tier: 'platinum', scopes: [], sha256: 'ab' }]));
    await expect.poll(() => failures().length, { timeout: 5_000 }).toBe(2);
    expect(failures()[1]!.problems).toEqual(expect.arrayContaining([expect.stringMatching(/API_KEYS_FILE\[1\]: tier must be one of/)]));
    rmSync(file);
    await expect.poll(() => failures().length, { timeout: 5_000 }).toBe(3);
    expect(failures()[2]!.problems).toEqual(['API_KEYS_FILE could not be read: ENOENT']);
    // Read again many times since: each failure was told once.
    await sleep(200);
    expect(failures()).toHaveLength(3);
    expect(await statusWith(gateway.url, 'partner-key-kept')).toBe(200);
    expect(await statusWith(gateway.url, 'partner-key-other')).toBe(401);
    expect((await gateway.metrics.render()).body).toMatch(/^bff_api_keys_reloads_total\{outcome="failed"\} 3$/m);
    expect(await rejected()).toBe('1');

    writeFileSync(file, keysFor('partner-key-other'));
    await expect.poll(() => statusWith(gateway!.url, 'partner-key-other'), { timeout: 5_000 }).toBe(200);
    expect(await statusWith(gateway.url, 'partner-key-kept')).toBe(401);
    expect(await rejected()).toBe('0');
  });

  it('with API_KEYS_RELOAD_MS=0 reads the file only when told (SIGHUP)', async () => {
    const file = tempFile('keys.json', keysFor('partner-key-a'));
    gateway = await startTestGateway({ env: { API_KEYS_FILE: file, API_KEYS_RELOAD_MS: '0' } });
    writeFileSync(file, keysFor('partner-key-b'));
    await sleep(100);
    expect(await statusWith(gateway.url, 'partner-key-a')).toBe(200);
    expect(gateway.reloadApiKeys()).toBe('reloaded');
    expect(gateway.reloadApiKeys()).toBe('unchanged');
    expect(await statusWith(gateway.url, 'partner-key-a')).toBe(401);
    expect(await statusWith(gateway.url, 'partner-key-b')).toBe(200);
  });

  it('a SIGHUP that finds the file still invalid says so again, never "unchanged"', async () => {
    const file = tempFile('keys.json', keysFor('partner-key-a'));
    const logs = captureLogs();
    gateway = await startTestGateway({ env: { API_KEYS_FILE: file, API_KEYS_RELOAD_MS: '0', LOG_LEVEL: 'info' }, logDestination: logs.destination });
    const failures = () => linesWith(logs.lines, 'API_KEYS_FILE not reloaded: the keys in use stay');
    const rejected = async () => /^bff_api_keys_file_rejected (\d)$/m.exec((await gateway!.metrics.render()).body)?.[1];
    expect(await rejected()).toBe('0');
    writeFileSync(file, keysFor('partner-key-b').slice(0, 40));
    expect(gateway.reloadApiKeys()).toBe('failed');
    // The operator who sends it again (the file not fixed yet) must not read that the file is in use.
    expect(gateway.reloadApiKeys()).toBe('failed');
    expect(failures()).toHaveLength(2);
    expect(await statusWith(gateway.url, 'partner-key-a')).toBe(200);
    // Back to the text in use: nothing to do.
    writeFileSync(file, keysFor('partner-key-a'));
    expect(gateway.reloadApiKeys()).toBe('unchanged');
  });

  it('applies a change made between the start-up read and the start of the watch', () => {
    const file = tempFile('keys.json', keysFor('partner-key-a'));
    const store = loadApiKeys(file);
    // Start-up goes on (the demo services, the audience servers) before the watch starts: the file may change then.
    writeFileSync(file, keysFor('partner-key-b'));
    const watch = watchApiKeys(file, store, { intervalMs: 0, onReload: () => {} });
    try {
      expect(watch.reload()).toBe('reloaded');
      expect(store.lookup('partner-key-a')).toBeNull();
      expect(store.lookup('partner-key-b')).toMatchObject({ id: 'partner-partner-key-b' });
    } finally {
      watch.close();
    }
  });

  it('a SIGHUP during start-up neither ends the process nor is lost', async () => {
    const file = tempFile('keys.json', keysFor('partner-key-a'));
    spawned = await spawnGateway(null, { API_KEYS_FILE: file, API_KEYS_RELOAD_MS: '0' }, {
      // The first line (the demo services started) is written by the start-up, after it read the file and before
      // the gateway listens: the file changes then, and the SIGHUP says so.
      onFirstOutput(child) {
        writeFileSync(file, keysFor('partner-key-b'));
        child.kill('SIGHUP');
      },
    });
    await spawned.waitFor(/"msg":"API_KEYS_FILE read again"/, 10_000);
    expect(spawned.output()).toContain('"apiKeys":"reloaded"');
    expect(await statusWith(spawned.url, 'partner-key-b')).toBe(200);
    expect(await statusWith(spawned.url, 'partner-key-a')).toBe(401);
    expect(await spawned.stop()).toBe(0);
  }, SPAWNED_GATEWAY_TEST_MS);

  it('SIGHUP reads it again in the running process, which goes on serving', async () => {
    const file = tempFile('keys.json', keysFor('partner-key-a'));
    spawned = await spawnGateway(null, { API_KEYS_FILE: file, API_KEYS_RELOAD_MS: '0' });
    expect(await statusWith(spawned.url, 'partner-key-b')).toBe(401);
    writeFileSync(file, keysFor('partner-key-b'));
    spawned.child.kill('SIGHUP');
    await spawned.waitFor(/"msg":"API_KEYS_FILE read again"/, 10_000);
    expect(spawned.output()).toContain('"apiKeys":"reloaded"');
    expect(spawned.child.exitCode).toBeNull();
    expect(await statusWith(spawned.url, 'partner-key-b')).toBe(200);
    expect(await spawned.stop()).toBe(0);
  }, SPAWNED_GATEWAY_TEST_MS);
});
