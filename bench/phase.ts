/**
 * One phase of a benchmark run: one upstream latency, fresh processes, the
 * answer check, then every selected row. Each row drives the gateway and the
 * baseline in turn with the same load, and measures both the same way.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkAnswers } from './answers.js';
import type { LoadWorker } from './load-worker.js';
import type { BenchOptions, CacheMode } from './options.js';
import { cpuMs, rssKb, sampleRss } from './processes.js';
import { formatProfile, mainThreadProfile, monotonicUs, topSelfTime, type Window } from './profile.js';
import type { Measurement, Row } from './report.js';
import { BENCH_USER, createScenarios, ROTATING_USERS, rotatingRequests, SCENARIO_NAMES, type BenchRequest, type DocumentForm, type Scenario } from './scenarios.js';
import { startStack, type Stack } from './stack.js';

const PROFILE_DIR = 'bench/profiles';
const LIGHT_CONNECTIONS = 1;
/** The rotating-users and memory rows: 50 connections, as many as pool users. */
const MANY_CONNECTIONS = 50;

/** What every phase shares: credentials and the files the gateway is configured with. */
export interface Setup {
  jwtSecret: string;
  rateLimitsFile: string;
  apiKeysFile: string;
  token: string;
  /** One token per `ROTATING_USERS` entry, in the same order. */
  rotatingTokens: string[];
  /** Set for the `--tracing` pass: the gateway exports every span (ratio 1.0) to this OTLP/HTTP endpoint. */
  otlpEndpoint?: string;
  /**
   * Set to `id` for the `--persisted` pass: the apps' documents are sent by manifest id, and the gateway keeps its
   * trusted-documents default (production: `required` for mobile and web). Otherwise full text, modes `off`.
   */
  documents?: DocumentForm;
}

/** What the phases report, accumulated over the run. */
export interface Outcome {
  rows: Row[];
  /** `answers match: yes/no` lines. */
  answers: string[];
  mismatch: boolean;
  /** Context printed under the table (idle memory, heap). */
  notes: string[];
  /** Profile tables, with `--profile`. */
  profiles: string[];
}

interface Target {
  side: 'gateway' | 'baseline';
  url: string;
  requests: BenchRequest[];
  /** Connection i starts at request i × this (one user's block of requests), so connections ask for different users. */
  staggerStep?: number;
}

const mb = (kb: number | null) => (kb === null ? '?' : (kb / 1024).toFixed(0));

async function measure(stack: Stack, load: LoadWorker, target: Target, connections: number, durationS: number, warmupS: number, windows: Window[]): Promise<Measurement> {
  const job = { url: target.url, requests: target.requests, connections, ...(target.staggerStep === undefined ? {} : { staggerStep: target.staggerStep }) };
  if (warmupS > 0) await load.run({ ...job, durationS: warmupS });
  await stack.resetUpstreamCalls();
  const pid = stack[target.side].pid;
  const rss = sampleRss(pid);
  const cpuBefore = cpuMs(pid);
  const startUs = monotonicUs();
  const result = await load.run({ ...job, durationS });
  if (target.side === 'gateway') windows.push({ startUs, endUs: monotonicUs() });
  const samples = rss.stop();
  const cpuAfter = cpuMs(pid);
  const calls = await stack.upstreamCalls();
  const quarter = Math.max(1, Math.floor(samples.length / 4));
  const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;
  return {
    load: result,
    upstreamPerRequest: result.completed > 0 ? calls / result.completed : null,
    cpuMsPerRequest: cpuBefore !== null && cpuAfter !== null && result.completed > 0 ? (cpuAfter - cpuBefore) / result.completed : null,
    peakRssMb: samples.length > 0 ? Math.max(...samples) / 1024 : null,
    rssGrowth: samples.length >= 4 ? mean(samples.slice(-quarter)) / mean(samples.slice(0, quarter)) - 1 : null,
  };
}

function describe(row: Row): string {
  const side = (name: string, m: Measurement | null) =>
    m === null ? '' : ` ${name} ${m.load.requestsPerSecond.toFixed(0)} req/s p50 ${m.load.p50Ms?.toFixed(2)} ms`;
  return `  ${row.label} @${row.latencyMs} ms, cache ${row.cache}, ${row.connections} conns:${side('gateway', row.gateway)}${side('baseline', row.baseline)}`;
}

/** The gateway's V8 heap in use, from its own `/metrics` (prom-client's default metrics). */
async function heapUsedMb(gatewayUrl: string): Promise<string> {
  try {
    const text = await (await fetch(`${gatewayUrl}/metrics`)).text();
    const match = /^nodejs_heap_size_used_bytes (\d+(?:\.\d+)?)/m.exec(text);
    return match ? (Number(match[1]) / 1_048_576).toFixed(0) : '?';
  } catch {
    return '?';
  }
}

/**
 * Runs one phase at `latencyMs` with the gateway cache `cache` and appends its
 * rows to `out`. The gateway's CPU profile, with `--profile`, is read after it
 * has exited (Node writes it then).
 */
export async function runPhase(options: BenchOptions, cache: CacheMode, latencyMs: number, setup: Setup, load: LoadWorker, log: (line: string) => void, out: Outcome): Promise<void> {
  const form = setup.documents ?? 'text';
  const scenarios = createScenarios(setup.token, BENCH_USER, form);
  const selected = options.scenarios.map((name) => scenarios[name]);
  const profileDir = join(PROFILE_DIR, `${new Date().toISOString().replace(/[:.]/g, '-')}-${latencyMs}ms-cache-${cache}`);
  if (options.profile) mkdirSync(profileDir, { recursive: true });
  log(`phase: ${latencyMs} ms upstream latency, gateway cache ${cache}${cache === 'off' ? ' (upstreams answer no-store)' : ''}`);
  const firstLatency = latencyMs === options.latencies[0];
  const stack = await startStack({
    latencyMs,
    noStore: cache === 'off',
    jwtSecret: setup.jwtSecret,
    rateLimitsFile: setup.rateLimitsFile,
    production: !options.dev,
    source: options.source,
    apiKeysFile: setup.apiKeysFile,
    profileDir: options.profile ? profileDir : null,
    ...(setup.otlpEndpoint === undefined ? {} : { otlpEndpoint: setup.otlpEndpoint }),
    trustedDocumentsAsDeployed: form === 'id',
  });
  out.notes.push(`RSS right after start @${latencyMs} ms, cache ${cache}: gateway ${mb(rssKb(stack.gateway.pid))} MB, baseline ${mb(rssKb(stack.baseline.pid))} MB`);
  log(`  servers up: gateway ${stack.gatewayUrl}, baseline ${stack.baselineUrl}`);
  const windows = new Map<string, Window[]>();
  const windowsFor = (key: string) => {
    const list = windows.get(key) ?? [];
    windows.set(key, list);
    return list;
  };
  try {
    const rotatingOrders = rotatingRequests('OrderHistory', setup.rotatingTokens, form);
    // The rotating rows ask for other users than u1: check two of them too (one with few orders, the pool's last).
    const extra = options.rows.includes('rotating') && firstLatency && options.scenarios.includes('OrderHistory')
      ? [1, ROTATING_USERS.length - 1].map((i) => ({ ...scenarios.OrderHistory, ...rotatingOrders[i]!, label: `OrderHistory(first: 20) as ${ROTATING_USERS[i]}` }))
      : [];
    for (const scenario of [...selected, ...extra]) {
      const answer = await checkAnswers(stack.gatewayUrl, stack.baselineUrl, scenario);
      out.answers.push(`answers match: ${answer.match ? 'yes' : 'no'} — ${scenario.label} @${latencyMs} ms, cache ${cache}${answer.detail ? ` (${answer.detail})` : ''}`);
      if (!answer.match) out.mismatch = true;
    }
    if (out.mismatch) return;

    const pair = async (
      s: Scenario,
      kind: Row['kind'],
      label: string,
      connections: number,
      warmupS: number,
      order: number,
      requests: { gateway: BenchRequest[]; baseline: BenchRequest[]; staggerStep?: number } = { gateway: [s.gateway], baseline: [s.baseline] },
    ) => {
      const stagger = requests.staggerStep === undefined ? {} : { staggerStep: requests.staggerStep };
      const sides: Target[] = [
        { side: 'gateway', url: stack.gatewayUrl, requests: requests.gateway, ...stagger },
        { side: 'baseline', url: stack.baselineUrl, requests: requests.baseline, ...stagger },
      ];
      // Alternating who goes first spreads the drift of a shared machine over both sides.
      if (order % 2 === 1) sides.reverse();
      const measured = new Map<Target['side'], Measurement>();
      for (const side of sides) {
        measured.set(side.side, await measure(stack, load, side, connections, options.durationS, warmupS, windowsFor(`${label} (${connections} conns)`)));
      }
      const row: Row = { kind, label, latencyMs, cache, connections, scenario: s, gateway: measured.get('gateway')!, baseline: measured.get('baseline')! };
      out.rows.push(row);
      log(describe(row));
    };
    if (options.rows.includes('throughput')) {
      for (const [i, scenario] of selected.entries()) await pair(scenario, 'throughput', scenario.label, options.connections, options.warmupS, i);
    }
    // Light load: one connection, so latency is the gateway's own work plus the upstream levels.
    if (options.rows.includes('light') && options.scenarios.includes('ProductPage')) {
      const warm = options.rows.includes('throughput') ? 0 : options.warmupS;
      await pair(scenarios.ProductPage, 'light', 'ProductPage (light load)', LIGHT_CONNECTIONS, warm, 0);
    }
    // Many users at once, each request another user's (so no viewer's data is shared between requests in flight).
    if (options.rows.includes('rotating') && firstLatency && options.scenarios.includes('OrderHistory')) {
      const requests = { gateway: rotatingOrders.map((r) => r.gateway), baseline: rotatingOrders.map((r) => r.baseline), staggerStep: 1 };
      const label = `OrderHistory(first: 20), ${ROTATING_USERS.length} rotating users`;
      await pair(scenarios.OrderHistory, 'rotating', label, MANY_CONNECTIONS, options.warmupS, 1, requests);
    }
    if (options.rows.includes('memory') && options.soakS > 0 && firstLatency) {
      const label = `memory: ${selected.length === 4 ? 'all four' : selected.map((s) => s.name).join('+')} mixed, rotating users, ${options.soakS} s`;
      // Per pool user, one request of each selected scenario with that user's token.
      const perUser = ROTATING_USERS.map((_, i) => createScenarios(setup.rotatingTokens[i]!, ROTATING_USERS[i], form));
      const mixedRequests = perUser.flatMap((byName) => SCENARIO_NAMES.filter((name) => options.scenarios.includes(name)).map((name) => byName[name].gateway));
      const mixed: Target = { side: 'gateway', url: stack.gatewayUrl, requests: mixedRequests, staggerStep: selected.length };
      const gateway = await measure(stack, load, mixed, MANY_CONNECTIONS, options.soakS, 0, windowsFor(`${label} (${MANY_CONNECTIONS} conns)`));
      const row: Row = { kind: 'memory', label, latencyMs, cache, connections: MANY_CONNECTIONS, scenario: null, gateway, baseline: null };
      out.rows.push(row);
      out.notes.push(`gateway V8 heap in use after the memory row, cache ${cache}: ${await heapUsedMb(stack.gatewayUrl)} MB`);
      log(describe(row));
    }
  } finally {
    await stack.stop();
    log('  servers stopped');
  }
  if (options.profile) {
    const file = mainThreadProfile(profileDir);
    if (file === null) throw new Error(`the gateway wrote no main-thread profile into ${profileDir}`);
    // Kept beside the profile, so it can be re-read later: `npx tsx bench/profile-cli.ts <dir>`.
    writeFileSync(join(profileDir, 'windows.json'), JSON.stringify(Object.fromEntries(windows)));
    out.profiles.push(`CPU profile: ${file}`);
    for (const [key, w] of windows) out.profiles.push(formatProfile(`Gateway CPU profile, ${key} @${latencyMs} ms`, topSelfTime(file, w)));
  }
}
