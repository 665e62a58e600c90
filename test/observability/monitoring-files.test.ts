import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { hashApiKey } from '../../src/auth/api-keys.js';
import type { Gateway } from '../../src/gateway.js';
import { findBinary, skippedOutsideCi } from '../helpers/binary.js';
import { startFixtureUpstream, type FixtureUpstream } from '../helpers/fixture-upstream.js';
import { bearer, gql, startTestGateway } from '../helpers/gateway.js';
import { tempFile } from '../helpers/temp-file.js';
import { PRODUCT_PAGE } from '../operations/contract.js';

const RULES = 'deploy/prometheus/alerts.yml';
const RULE_TESTS = 'deploy/prometheus/alerts.test.yml';
const DASHBOARD = 'deploy/grafana/bff-gateway.json';
const INSTALL_HINT = 'promtool is not installed: apt-get install prometheus (see .ci/run)';
const promtool = findBinary('promtool');

function runPromtool(...args: string[]): void {
  if (promtool === null) throw new Error(INSTALL_HINT);
  const run = spawnSync(promtool, args, { encoding: 'utf8' });
  expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
}

describe.skipIf(skippedOutsideCi(promtool, `Skipping the promtool checks of ${RULES}: ${INSTALL_HINT}.`))(`${RULES} and ${DASHBOARD} under promtool`, () => {
  it('the rules file is valid', () => runPromtool('check', 'rules', RULES));
  it('the alerts fire, and stay quiet, as their unit tests say', () => runPromtool('test', 'rules', RULE_TESTS));
  it("the dashboard's queries are valid PromQL", () => {
    // promtool checks expressions inside a rules file: each query becomes a recording rule of one.
    const rules = { groups: [{ name: 'dashboard', rules: dashboardQueries().map(({ expr }, i) => ({ record: `dashboard:query_${i}`, expr })) }] };
    runPromtool('check', 'rules', tempFile('dashboard-queries.yml', JSON.stringify(rules)));
  });
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

interface Query {
  /** The alert, or the dashboard panel, it belongs to. */
  owner: string;
  expr: string;
}

/** The alerts' expressions. */
function alertQueries(): Query[] {
  const { groups } = parse(readFileSync(RULES, 'utf8')) as { groups: { rules: { alert: string; expr: string }[] }[] };
  return groups.flatMap((group) => group.rules).map(({ alert, expr }) => ({ owner: alert, expr }));
}

/** The dashboard's panel queries and template variables' queries, with Grafana's variables as PromQL would see them. */
function dashboardQueries(): Query[] {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
    panels: { title: string; targets?: { expr: string }[] }[];
    templating: { list: { name: string; query: string }[] };
  };
  const asPromQL = (expr: string) => expr.replaceAll('$__rate_interval', '5m').replace(/\$(job|instance)\b/g, '.*');
  return [
    ...dashboard.panels.flatMap((panel) => (panel.targets ?? []).map(({ expr }) => ({ owner: panel.title, expr: asPromQL(expr) }))),
    ...dashboard.templating.list
      .filter((variable) => variable.query.startsWith('label_values('))
      .map((variable) => ({ owner: `$${variable.name}`, expr: asPromQL(/^label_values\((.*), \w+\)$/.exec(variable.query)![1]!) })),
  ];
}

interface Selector {
  owner: string;
  text: string;
  name: string;
  matches(labels: Record<string, string>): boolean;
  /** Labels the expression aggregates by: each must be on the series (job and instance come from the scrape). */
  needs: string[];
}

/** Every series selector in the expressions, with its matchers and the labels its expression groups by. */
function selectors(queries: Query[]): Selector[] {
  const fromScrape = (label: string) => label === 'job' || label === 'instance';
  return queries.flatMap(({ owner, expr }) => {
    const needs = [...expr.matchAll(/\bby\s*\(([^)]*)\)/g)]
      .flatMap((m) => m[1]!.split(',').map((label) => label.trim()))
      .filter((label, i, all) => !fromScrape(label) && all.indexOf(label) === i);
    return [...expr.matchAll(/\b((?:bff|process|nodejs)_\w+)(?:\{([^}]*)\})?/g)].map((m) => {
      const matchers = [...(m[2] ?? '').matchAll(/(\w+)\s*(=~|!~|!=|=)\s*"([^"]*)"/g)]
        .filter(([, label]) => !fromScrape(label!))
        .map(([, label, op, value]) => {
          const pattern = new RegExp(`^(?:${value})$`);
          return (labels: Record<string, string>) => {
            const actual = labels[label!] ?? '';
            if (op === '=') return actual === value;
            if (op === '!=') return actual !== value;
            return pattern.test(actual) === (op === '=~');
          };
        });
      return { owner, text: m[0], name: m[1]!, needs, matches: (labels: Record<string, string>) => matchers.every((match) => match(labels)) };
    });
  });
}

describe(`${RULES} and ${DASHBOARD} read what a gateway exposes`, () => {
  let upstream: FixtureUpstream;
  let gateway: Gateway;
  let keysFile: string;
  beforeAll(async () => {
    // The reviews service answers 503 (retried), its circuit opens after three failures; the identity provider and Redis refuse
    // connections: the events the alerts are about, made for real.
    upstream = await startFixtureUpstream({
      onRequest: (req) => (req.service === 'reviews' && req.path !== '/health' ? { status: 503 } : undefined),
    });
    keysFile = tempFile('keys.json', [{ consumer: 'partner-a', tier: 'pro', scopes: ['catalog:read'], sha256: hashApiKey('partner-key-a') }]);
    gateway = await startTestGateway({
      upstreams: upstream.urls,
      env: {
        CIRCUIT_FAILURE_THRESHOLD: '3',
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

  it('every series an alert or a panel reads is exposed, with the labels and values it matches on', async () => {
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
    const alerts = selectors(alertQueries());
    const panels = selectors(dashboardQueries());
    expect(new Set(alerts.map((s) => s.owner)).size).toBe(19);
    expect(new Set(panels.map((s) => s.owner)).size).toBeGreaterThan(15);
    const missing = [...alerts, ...panels]
      .filter(({ name, matches, needs }) => !exposed.some((s) => s.name === name && matches(s.labels) && needs.every((label) => label in s.labels)))
      .map(({ owner, text, needs }) => `${owner}: ${text} by (${needs.join(', ')})`);
    expect(missing).toEqual([]);
  });
});
