import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { hashApiKey } from '../../src/auth/api-keys.js';
import type { Gateway } from '../../src/gateway.js';
import { findBinary } from '../helpers/binary.js';
import { startFixtureUpstream, type FixtureUpstream } from '../helpers/fixture-upstream.js';
import { bearer, gql, startTestGateway } from '../helpers/gateway.js';
import { tempFile } from '../helpers/temp-file.js';
import { PRODUCT_PAGE } from '../operations/contract.js';

const RULES = 'deploy/prometheus/alerts.yml';
const RULE_TESTS = 'deploy/prometheus/alerts.test.yml';
const INSTALL_HINT = 'promtool is not installed: apt-get install prometheus (see .ci/run)';
const promtool = findBinary('promtool');

/** Skipped only outside CI when promtool is missing, with a notice; on CI the suite runs and fails naming the package. */
function promtoolMissing(): boolean {
  if (promtool !== null || process.env['CI'] === 'true') return false;
  console.warn(`Skipping the promtool checks of ${RULES}: ${INSTALL_HINT}.`);
  return true;
}

function runPromtool(...args: string[]): void {
  if (promtool === null) throw new Error(INSTALL_HINT);
  const run = spawnSync(promtool, args, { encoding: 'utf8' });
  expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
}

describe.skipIf(promtoolMissing())(`${RULES} under promtool`, () => {
  it('is a valid rules file', () => runPromtool('check', 'rules', RULES));
  it('fires, and stays quiet, as its unit tests say', () => runPromtool('test', 'rules', RULE_TESTS));
});

interface Sample {
  name: string;
  labels: Record<string, string>;
}

/** The sample lines of a Prometheus text exposition. */
function samples(exposition: string): Sample[] {
  return exposition
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const name = /^[a-zA-Z_:][\w:]*/.exec(line)![0];
      const labels = Object.fromEntries([...line.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]));
      return { name, labels };
    });
}

interface Selector {
  alert: string;
  text: string;
  name: string;
  matches(labels: Record<string, string>): boolean;
  /** Labels the expression aggregates by: each must be on the series (job and instance come from the scrape). */
  needs: string[];
}

/** Every series selector in the rules' expressions, with its matchers and the labels the expression groups by. */
function selectors(rulesYaml: string): Selector[] {
  const rules = (parse(rulesYaml) as { groups: { rules: { alert: string; expr: string }[] }[] }).groups.flatMap((group) => group.rules);
  return rules.flatMap(({ alert, expr }) => {
    const needs = [...expr.matchAll(/\bby\s*\(([^)]*)\)/g)]
      .flatMap((m) => m[1]!.split(',').map((label) => label.trim()))
      .filter((label, i, all) => label !== 'job' && label !== 'instance' && all.indexOf(label) === i);
    return [...expr.matchAll(/\b((?:bff|process|nodejs)_\w+)(?:\{([^}]*)\})?/g)].map((m) => {
      const matchers = [...(m[2] ?? '').matchAll(/(\w+)\s*(=~|!~|!=|=)\s*"([^"]*)"/g)].map(([, label, op, value]) => {
        const pattern = new RegExp(`^(?:${value})$`);
        return (labels: Record<string, string>) => {
          const actual = labels[label!] ?? '';
          if (op === '=') return actual === value;
          if (op === '!=') return actual !== value;
          return pattern.test(actual) === (op === '=~');
        };
      });
      return { alert, text: m[0], name: m[1]!, needs, matches: (labels: Record<string, string>) => matchers.every((match) => match(labels)) };
    });
  });
}

describe(`${RULES} reads what a gateway exposes`, () => {
  let upstream: FixtureUpstream;
  let gateway: Gateway;
  let keysFile: string;
  beforeAll(async () => {
    // The reviews service fails, its circuit opens after two failures; the identity provider and Redis refuse
    // connections: the events the alerts are about, made for real.
    upstream = await startFixtureUpstream({
      onRequest: (req) => (req.service === 'reviews' && req.path !== '/health' ? { status: 500 } : undefined),
    });
    keysFile = tempFile('keys.json', [{ consumer: 'partner-a', tier: 'pro', scopes: ['catalog:read'], sha256: hashApiKey('partner-key-a') }]);
    gateway = await startTestGateway({
      upstreams: upstream.urls,
      env: {
        CIRCUIT_FAILURE_THRESHOLD: '2',
        API_KEYS_FILE: keysFile,
        API_KEYS_RELOAD_MS: '50',
        JWT_SECRET: '',
        JWT_JWKS_URL: 'http://127.0.0.1:1/.well-known/jwks.json',
        REDIS_URL: 'redis://127.0.0.1:1',
      },
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  it('every series an alert reads is exposed, with the labels and values it matches on', async () => {
    for (let i = 0; i < 4; i++) {
      const page = await gql(gateway, 'web', PRODUCT_PAGE, { id: 'fx-p1' });
      expect(page.status).toBe(200);
      expect(page.body.errors?.length).toBeGreaterThan(0);
    }
    const { privateKey } = await generateKeyPair('RS256');
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setSubject('u1').setExpirationTime('1h').sign(privateKey);
    const unchecked = await gql(gateway, 'web', '{ me { id } }', {}, bearer(token));
    expect(unchecked.status).toBe(503);
    writeFileSync(keysFile, '[{"consumer":');
    const exposition = async () => (await gateway.metrics.render()).body;
    await expect.poll(exposition, { timeout: 5_000 }).toMatch(/^bff_api_keys_file_rejected 1$/m);

    const exposed = samples(await exposition());
    const found = selectors(readFileSync(RULES, 'utf8'));
    expect(new Set(found.map((s) => s.alert)).size).toBe(18);
    const missing = found
      .filter(({ name, matches, needs }) => !exposed.some((s) => s.name === name && matches(s.labels) && needs.every((label) => label in s.labels)))
      .map(({ alert, text, needs }) => `${alert}: ${text} by (${needs.join(', ')})`);
    expect(missing).toEqual([]);
  });
});
