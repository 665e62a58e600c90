/**
 * One phase of a benchmark run: one upstream latency, fresh processes, the
 * answer check, then every selected row. Each row drives the gateway and the
 * baseline in turn with the same load, and measures both the same way.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkAnswers } from './answers.js';
import type { LoadWorker } from './load-worker.js';
import type { BenchOptions } from './options.js';
import { cpuMs, rssKb, sampleRss } from './processes.js';
import { formatProfile, mainThreadProfile, monotonicUs, topSelfTime, type Window } from './profile.js';
import type { Measurement, Row } from './report.js';
import { createScenarios, type BenchRequest, type Scenario } from './scenarios.js';
import { startStack, type Stack } from './stack.js';

const PROFILE_DIR = 'bench/profiles';
const LIGHT_CONNECTIONS = 1;
const MEMORY_CONNECTIONS = 50;

/** What every phase shares: credentials and the files the gateway is configured with. */
export interface Setup {
  jwtSecret: string;
  rateLimitsFile: string;
  apiKeysFile: string;
  token: string;
  /** Set for the `--tracing` pass: the gateway exports every span (ratio 1.0) to this OTLP/HTTP endpoint. */
  otlpEndpoint?: string;
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
}

const mb = (kb: number | null) => (kb === null ? '?' : (kb / 1024).toFixed(0));

async function measure(stack: Stack, load: LoadWorker, target: Target, connections: number, durationS: number, warmupS: number, windows: Window[]): Promise<Measurement> {
  if (warmupS > 0) await load.run({ url: target.url, requests: target.requests, connections, durationS: warmupS });
  await stack.resetUpstreamCalls();
  const pid = stack[target.side].pid;
  const rss = sampleRss(pid);
  const cpuBefore = cpuMs(pid);
  const startUs = monotonicUs();
  const result = await load.run({ url: target.url, requests: target.requests, connections, durationS });
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
  return `  ${row.label} @${row.latencyMs} ms, ${row.connections} conns:${side('gateway', row.gateway)}${side('baseline', row.baseline)}`;
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
 * Runs one phase at `latencyMs` and appends its rows to `out`. The gateway's
 * CPU profile, with `--profile`, is read after it has exited (Node writes it then).
 */
export async function runPhase(options: BenchOptions, latencyMs: number, setup: Setup, load: LoadWorker, log: (line: string) => void, out: Outcome): Promise<void> {
  const scenarios = createScenarios(setup.token);
  const selected = options.scenarios.map((name) => scenarios[name]);
  const profileDir = join(PROFILE_DIR, `${new Date().toISOString().replace(/[:.]/g, '-')}-${latencyMs}ms`);
  if (options.profile) mkdirSync(profileDir, { recursive: true });
  log(`phase: ${latencyMs} ms upstream latency${options.noCache ? ', upstreams answer no-store' : ''}`);
  const stack = await startStack({
    latencyMs,
    noStore: options.noCache,
    jwtSecret: setup.jwtSecret,
    rateLimitsFile: setup.rateLimitsFile,
    production: !options.dev,
    apiKeysFile: setup.apiKeysFile,
    profileDir: options.profile ? profileDir : null,
    ...(setup.otlpEndpoint === undefined ? {} : { otlpEndpoint: setup.otlpEndpoint }),
  });
  out.notes.push(`RSS right after start @${latencyMs} ms: gateway ${mb(rssKb(stack.gateway.pid))} MB, baseline ${mb(rssKb(stack.baseline.pid))} MB`);
  log(`  servers up: gateway ${stack.gatewayUrl}, baseline ${stack.baselineUrl}`);
  const windows = new Map<string, Window[]>();
  const windowsFor = (key: string) => {
    const list = windows.get(key) ?? [];
    windows.set(key, list);
    return list;
  };
  try {
    for (const scenario of selected) {
      const answer = await checkAnswers(stack.gatewayUrl, stack.baselineUrl, scenario);
      out.answers.push(`answers match: ${answer.match ? 'yes' : 'no'} — ${scenario.label} @${latencyMs} ms${answer.detail ? ` (${answer.detail})` : ''}`);
      if (!answer.match) out.mismatch = true;
    }
    if (out.mismatch) return;

    const pair = async (s: Scenario, kind: Row['kind'], label: string, connections: number, warmupS: number, order: number) => {
      const sides: Target[] = [
        { side: 'gateway', url: stack.gatewayUrl, requests: [s.gateway] },
        { side: 'baseline', url: stack.baselineUrl, requests: [s.baseline] },
      ];
      // Alternating who goes first spreads the drift of a shared machine over both sides.
      if (order % 2 === 1) sides.reverse();
      const measured = new Map<Target['side'], Measurement>();
      for (const side of sides) {
        measured.set(side.side, await measure(stack, load, side, connections, options.durationS, warmupS, windowsFor(`${label} (${connections} conns)`)));
      }
      const row: Row = { kind, label, latencyMs, connections, scenario: s, gateway: measured.get('gateway')!, baseline: measured.get('baseline')! };
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
    if (options.rows.includes('memory') && options.soakS > 0 && latencyMs === options.latencies[0]) {
      const label = `memory: ${selected.length === 4 ? 'all four' : selected.map((s) => s.name).join('+')} mixed, ${options.soakS} s`;
      const mixed: Target = { side: 'gateway', url: stack.gatewayUrl, requests: selected.map((s) => s.gateway) };
      const gateway = await measure(stack, load, mixed, MEMORY_CONNECTIONS, options.soakS, 0, windowsFor(`${label} (${MEMORY_CONNECTIONS} conns)`));
      const row: Row = { kind: 'memory', label, latencyMs, connections: MEMORY_CONNECTIONS, scenario: null, gateway, baseline: null };
      out.rows.push(row);
      out.notes.push(`gateway V8 heap in use after the memory row: ${await heapUsedMb(stack.gatewayUrl)} MB`);
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
