/**
 * The benchmark's figures, the targets checked against them, and the
 * Markdown table the run prints (and BENCHMARKS.md quotes).
 */
import type { LoadResult } from './load.js';
import type { Scenario } from './scenarios.js';

export interface Measurement {
  load: LoadResult;
  /** Demo-service requests during the run ÷ responses completed. */
  upstreamPerRequest: number | null;
  /**
   * CPU time the measured process used during the run ÷ responses: its own
   * work per request, which a shared machine's contention distorts far less
   * than wall-clock latency does.
   */
  cpuMsPerRequest: number | null;
  /** Highest RSS of the measured process sampled during the run. */
  peakRssMb: number | null;
  /** Mean RSS of the run's last quarter over its first quarter, minus 1. */
  rssGrowth: number | null;
}

export interface Row {
  kind: 'throughput' | 'light' | 'memory';
  label: string;
  latencyMs: number;
  connections: number;
  /** Null for the memory row, which mixes all scenarios. */
  scenario: Scenario | null;
  gateway: Measurement;
  baseline: Measurement | null;
}

export interface TargetCheck {
  text: string;
  pass: boolean;
}

/** Issue 3's targets. Light load (1 connection): the gateway's p50 over the baseline's. */
export const LIGHT_LOAD_ADDED_P50_MS = 1;
/** Two levels of fan-out at 20 ms each, plus 5 ms. */
export const PRODUCT_PAGE_20MS_P50_MS = 2 * 20 + 5;
export const MEMORY_PEAK_MB = 200;
/** "Flat": the last quarter's mean RSS within this share of the first quarter's. */
export const MEMORY_FLAT_GROWTH = 0.1;

/** Gateway req/s ÷ baseline req/s, or null without a baseline. */
export function ratio(row: Row): number | null {
  if (row.baseline === null || row.baseline.load.requestsPerSecond === 0) return null;
  return row.gateway.load.requestsPerSecond / row.baseline.load.requestsPerSecond;
}

const ms = (value: number | null) => (value === null ? '—' : value < 10 ? value.toFixed(2) : value.toFixed(1));
const check = (pass: boolean) => (pass ? 'pass' : 'FAIL');

/** The targets that apply to a row, each with the measured value and pass/fail. */
export function targetsFor(row: Row): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const r = ratio(row);
  const target = row.scenario?.ratioTarget;
  if (row.kind === 'throughput' && row.latencyMs === 0 && target !== undefined && r !== null) {
    checks.push({ text: `ratio ≥ ${target}: ${check(r >= target)}`, pass: r >= target });
  }
  const calls = row.gateway.upstreamPerRequest;
  if (row.kind === 'throughput' && row.scenario?.name === 'OrderHistory' && calls !== null) {
    // Requests cut off when the run stops made their calls but never completed: at most one per connection.
    const completed = row.gateway.load.completed;
    const allowance = row.scenario.minUpstreamCalls * ((completed + row.connections) / completed);
    const pass = calls <= allowance;
    checks.push({ text: `calls ≤ ${row.scenario.minUpstreamCalls}: ${check(pass)}`, pass });
  }
  if (row.kind === 'light' && row.baseline !== null) {
    const gw = row.gateway.load.p50Ms;
    const base = row.baseline.load.p50Ms;
    if (gw !== null && base !== null) {
      const pass = gw - base < LIGHT_LOAD_ADDED_P50_MS;
      checks.push({ text: `added p50 ${ms(gw - base)} ms < ${LIGHT_LOAD_ADDED_P50_MS}: ${check(pass)}`, pass });
    }
    if (row.scenario?.name === 'ProductPage' && row.latencyMs === 20 && gw !== null) {
      const pass = gw <= PRODUCT_PAGE_20MS_P50_MS;
      checks.push({ text: `p50 ≤ ${PRODUCT_PAGE_20MS_P50_MS} ms: ${check(pass)}`, pass });
    }
  }
  if (row.kind === 'memory' && row.gateway.peakRssMb !== null) {
    const peakPass = row.gateway.peakRssMb < MEMORY_PEAK_MB;
    checks.push({ text: `peak < ${MEMORY_PEAK_MB} MB: ${check(peakPass)}`, pass: peakPass });
    const growth = row.gateway.rssGrowth;
    if (growth !== null) {
      const flat = growth < MEMORY_FLAT_GROWTH;
      checks.push({ text: `flat (${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(0)}%): ${check(flat)}`, pass: flat });
    }
  }
  return checks;
}

/** Connection errors, timeouts and non-2xx responses of a row, both sides. */
export function failures(row: Row): number {
  const of = (m: Measurement | null) => (m === null ? 0 : m.load.errors + m.load.non2xx);
  return of(row.gateway) + of(row.baseline);
}

function cells(row: Row): string[] {
  const g = row.gateway;
  const b = row.baseline;
  const r = ratio(row);
  const calls = (m: Measurement | null) => (m?.upstreamPerRequest == null ? '—' : m.upstreamPerRequest.toFixed(2));
  const cpu = (m: Measurement | null) => (m?.cpuMsPerRequest == null ? '—' : m.cpuMsPerRequest.toFixed(2));
  const mb = (m: Measurement | null) => (m?.peakRssMb == null ? '—' : m.peakRssMb.toFixed(0));
  const errors = (m: Measurement | null) => (m === null ? '—' : String(m.load.errors + m.load.non2xx));
  return [
    row.label,
    `${row.latencyMs} ms`,
    String(row.connections),
    g.load.requestsPerSecond.toFixed(0),
    b === null ? '—' : b.load.requestsPerSecond.toFixed(0),
    r === null ? '—' : r.toFixed(2),
    `${ms(g.load.p50Ms)} / ${ms(g.load.p99Ms)}`,
    b === null ? '—' : `${ms(b.load.p50Ms)} / ${ms(b.load.p99Ms)}`,
    `${calls(g)} / ${calls(b)}`,
    `${cpu(g)} / ${cpu(b)}`,
    `${mb(g)} / ${mb(b)}`,
    `${errors(g)} / ${errors(b)}`,
    targetsFor(row).map((t) => t.text).join('; ') || '—',
  ];
}

/** The rows as one Markdown table. */
export function formatTable(rows: readonly Row[]): string {
  const header = [
    'scenario',
    'upstream latency',
    'conns',
    'gateway req/s',
    'baseline req/s',
    'ratio',
    'gateway p50 / p99 ms',
    'baseline p50 / p99 ms',
    'upstream calls/req gateway / baseline',
    'CPU ms/req gateway / baseline',
    'peak RSS MB gateway / baseline',
    'errors+non-2xx gateway / baseline',
    'targets',
  ];
  const align = header.map((_, i) => (i === 0 || i === header.length - 1 ? '---' : '--:'));
  return [header, align, ...rows.map(cells)].map((line) => `| ${line.join(' | ')} |`).join('\n');
}
