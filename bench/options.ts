/**
 * `npm run bench -- [--scenario ProductPage,OrderHistory] [--latency 0,20]
 * [--rows throughput,light,memory] [--duration 10] [--connections 10] [--warmup 1] [--soak 10] [--no-cache]
 * [--dev] [--profile] [--tracing]`.
 */
import { parseArgs } from 'node:util';
import { SCENARIO_NAMES, type ScenarioName } from './scenarios.js';

export const ROW_KINDS = ['throughput', 'light', 'memory'] as const;
export type RowKind = (typeof ROW_KINDS)[number];

export interface BenchOptions {
  scenarios: ScenarioName[];
  /**
   * Which rows: `throughput` (every scenario at `connections`), `light`
   * (ProductPage at 1 connection), `memory` (all scenarios mixed at 50
   * connections for `soakS`, first latency only).
   */
  rows: RowKind[];
  /** Upstream latencies to run, in ms; each is a phase with its own processes. */
  latencies: number[];
  durationS: number;
  /** Connections of the throughput rows (light-load rows always use 1, the memory row 50). */
  connections: number;
  /** Unmeasured run before each scenario's first measurement, so both servers are JIT-warm. */
  warmupS: number;
  /** Length of the 50-connection memory row (0: none). */
  soakS: number;
  noCache: boolean;
  /** Run the gateway in development mode instead of `NODE_ENV=production`. */
  dev: boolean;
  profile: boolean;
  /** Run every phase a second time with OpenTelemetry tracing on (ratio 1.0, exporting to a local sink). */
  tracing: boolean;
}

export const USAGE = `usage: npm run bench -- [--scenario ${SCENARIO_NAMES.join(',')}] [--latency 0,20]
  [--rows ${ROW_KINDS.join(',')}] [--duration 10] [--connections 10] [--warmup 1]
  [--soak <seconds, default: duration>] [--no-cache] [--dev] [--profile] [--tracing]`;

function count(raw: string | undefined, name: string, fallback: number, min: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`--${name} must be an integer ≥ ${min}\n${USAGE}`);
  return value;
}

function list(raw: string | undefined): string[] | undefined {
  return raw?.split(',').map((s) => s.trim()).filter(Boolean);
}

/** Parses and validates the command line; throws with the usage on any mistake. */
export function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      scenario: { type: 'string' },
      latency: { type: 'string' },
      rows: { type: 'string' },
      duration: { type: 'string' },
      connections: { type: 'string' },
      warmup: { type: 'string' },
      soak: { type: 'string' },
      'no-cache': { type: 'boolean', default: false },
      dev: { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      tracing: { type: 'boolean', default: false },
    },
  });
  const names = list(values.scenario) ?? [...SCENARIO_NAMES];
  const unknown = names.filter((name) => !(SCENARIO_NAMES as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`unknown scenario ${unknown.join(', ')}\n${USAGE}`);
  const rows = list(values.rows) ?? [...ROW_KINDS];
  const unknownRows = rows.filter((row) => !(ROW_KINDS as readonly string[]).includes(row));
  if (unknownRows.length > 0) throw new Error(`unknown row kind ${unknownRows.join(', ')}\n${USAGE}`);
  const latencies = (list(values.latency) ?? ['0', '20']).map((raw) => count(raw, 'latency', 0, 0));
  const durationS = count(values.duration, 'duration', 10, 1);
  return {
    // Keep the canonical order whatever order they were named in.
    scenarios: SCENARIO_NAMES.filter((name) => names.includes(name)),
    rows: ROW_KINDS.filter((row) => rows.includes(row)),
    latencies,
    durationS,
    connections: count(values.connections, 'connections', 10, 1),
    warmupS: count(values.warmup, 'warmup', 1, 0),
    soakS: count(values.soak, 'soak', durationS, 0),
    noCache: values['no-cache'],
    dev: values.dev,
    profile: values.profile,
    tracing: values.tracing,
  };
}
