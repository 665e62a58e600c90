/**
 * `npm run bench -- [--quick] [--scenario ProductPage,OrderHistory] [--latency 0,20]
 * [--cache on,off] [--rows throughput,light,rotating,memory] [--duration 10]
 * [--connections 10] [--warmup 1] [--soak 10] [--no-cache] [--dev] [--source] [--profile] [--tracing] [--persisted]`.
 */
import { parseArgs } from 'node:util';
import { SCENARIO_NAMES, type ScenarioName } from './scenarios.js';

export const ROW_KINDS = ['throughput', 'light', 'rotating', 'memory'] as const;
export type RowKind = (typeof ROW_KINDS)[number];
export const CACHE_MODES = ['on', 'off'] as const;
/** `on`: the gateway's response cache as shipped; `off`: the upstreams answer `no-store`, so it keeps nothing. */
export type CacheMode = (typeof CACHE_MODES)[number];

export interface BenchOptions {
  scenarios: ScenarioName[];
  /**
   * Which rows: `throughput` (every scenario at `connections`), `light`
   * (ProductPage at 1 connection), `rotating` (OrderHistory at 50 connections
   * over 50 users' tokens, first latency only), `memory` (all scenarios mixed
   * at 50 connections over rotating users for `soakS`, first latency only).
   */
  rows: RowKind[];
  /** Upstream latencies to run, in ms; each is a phase with its own processes. */
  latencies: number[];
  /** Gateway cache modes to run, each at every latency (a phase each). */
  caches: CacheMode[];
  durationS: number;
  /** Connections of the throughput rows (light-load rows always use 1, rotating and memory rows 50). */
  connections: number;
  /** Unmeasured run before each scenario's first measurement, so both servers are JIT-warm (1 s; 15 s with `tracing`). */
  warmupS: number;
  /** Length of the 50-connection memory row (0: none). */
  soakS: number;
  /** Run the gateway in development mode instead of `NODE_ENV=production`. */
  dev: boolean;
  /** Run the gateway from its TypeScript sources under tsx instead of the build (to compare the two). */
  source: boolean;
  profile: boolean;
  /** Run every phase a second time with OpenTelemetry tracing on (ratio 1.0, exporting to a local sink). */
  tracing: boolean;
  /**
   * Run every phase a second time with the mobile and web documents sent by their manifest id (`documentId`), the
   * gateway requiring trusted documents as it does in production by default.
   */
  persisted: boolean;
}

/** The default warm-up with `--tracing` (BENCHMARKS.md, "Warm-up, and where a steady traced request's CPU goes"). */
const TRACING_WARMUP_S = 15;

export const USAGE = `usage: npm run bench -- [--quick] [--scenario ${SCENARIO_NAMES.join(',')}] [--latency 0,20]
  [--cache on,off] [--rows ${ROW_KINDS.join(',')}] [--duration 10] [--connections 10] [--warmup 1]
  [--soak <seconds, default: duration>] [--no-cache] [--dev] [--source] [--profile] [--tracing] [--persisted]
  --quick: 0 ms only, 3 s runs, 5 s soak (about 2 minutes); --no-cache: --cache off; --tracing: each phase again with tracing on
  (warm-up 15 s unless --warmup is given: a traced gateway settles later); --persisted: each phase again with the apps'
  documents sent by manifest id, trusted documents required as in production`;

function count(raw: string | undefined, name: string, fallback: number, min: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`--${name} must be an integer ≥ ${min}\n${USAGE}`);
  return value;
}

function list(raw: string | undefined): string[] | undefined {
  return raw?.split(',').map((s) => s.trim()).filter(Boolean);
}

/** Names from `raw` that are all in `known`, in `known`'s order; throws naming any other. */
function pick<T extends string>(raw: string | undefined, known: readonly T[], what: string): T[] {
  const names = list(raw) ?? [...known];
  const unknown = names.filter((name) => !(known as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`unknown ${what} ${unknown.join(', ')}\n${USAGE}`);
  return known.filter((name) => names.includes(name));
}

/** The one name `raw` gives, which must be one of `known` (for the single-run tools: `bench:alloc`, `bench:ab`). */
export function oneOf<T extends string>(raw: string, known: readonly T[], what: string): T {
  if (!(known as readonly string[]).includes(raw)) throw new Error(`--${what} is one of ${known.join(', ')} (got ${raw})`);
  return raw as T;
}

/** Parses and validates the command line; throws with the usage on any mistake. */
export function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      scenario: { type: 'string' },
      latency: { type: 'string' },
      cache: { type: 'string' },
      rows: { type: 'string' },
      duration: { type: 'string' },
      connections: { type: 'string' },
      warmup: { type: 'string' },
      soak: { type: 'string' },
      'no-cache': { type: 'boolean', default: false },
      dev: { type: 'boolean', default: false },
      source: { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      tracing: { type: 'boolean', default: false },
      persisted: { type: 'boolean', default: false },
    },
  });
  if (values['no-cache'] && values.cache !== undefined) throw new Error(`--no-cache and --cache are exclusive\n${USAGE}`);
  const quick = values.quick;
  const latencies = (list(values.latency) ?? (quick ? ['0'] : ['0', '20'])).map((raw) => count(raw, 'latency', 0, 0));
  const durationS = count(values.duration, 'duration', quick ? 3 : 10, 1);
  return {
    scenarios: pick(values.scenario, SCENARIO_NAMES, 'scenario'),
    rows: pick(values.rows, ROW_KINDS, 'row kind'),
    latencies,
    caches: values['no-cache'] ? ['off'] : pick(values.cache, CACHE_MODES, 'cache mode'),
    durationS,
    connections: count(values.connections, 'connections', 10, 1),
    // A traced gateway's compiled code settles later than an untraced one's (15–20 s at a few hundred requests a
    // second): with --tracing both are warmed that long unless told otherwise, so the row compares steady states.
    warmupS: count(values.warmup, 'warmup', values.tracing ? TRACING_WARMUP_S : 1, 0),
    soakS: count(values.soak, 'soak', quick ? 5 : durationS, 0),
    dev: values.dev,
    source: values.source,
    profile: values.profile,
    tracing: values.tracing,
    persisted: values.persisted,
  };
}
