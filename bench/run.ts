/**
 * `npm run bench`: the gateway (the compiled build `npm start` runs) side by
 * side with the hand-written baseline. Per gateway cache mode (on as shipped;
 * off: upstreams answer no-store) and upstream latency (0 ms: the gateway's
 * CPU cost; 20 ms: its fan-out structure) it starts the demo services, the
 * gateway and the baseline as processes, checks that both give the same answers, drives each with
 * autocannon from a separate load-generator process, and prints one table.
 * Exits 1 on any error, non-2xx response or answer mismatch; missed targets
 * are reported, never a failure. See BENCHMARKS.md.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { hashApiKey } from '../src/auth/api-keys.js';
import { overloadSettingsFromEnv } from './chaos/gateway.js';
import { startLoadWorker } from './load-worker.js';
import { machineLine } from './machine.js';
import { ensureBuilt } from './processes.js';
import { startOtlpSink } from './otlp-sink.js';
import { parseOptions, USAGE, type BenchOptions, type CacheMode } from './options.js';
import { runPhase, type Outcome, type Setup } from './phase.js';
import { failures, formatTable, formatVerdicts, MEMORY_TARGET_SOAK_S, targetsFor } from './report.js';
import { BENCH_API_KEY, BENCH_TIER, BENCH_USER, ROTATING_USERS } from './scenarios.js';

const startedAt = Date.now();

/** Progress on stderr, stamped with the seconds since start (the whole run must stay within minutes). */
function log(message: string): void {
  process.stderr.write(`[${((Date.now() - startedAt) / 1000).toFixed(0).padStart(3)} s] ${message}\n`);
}

/** Budgets no benchmark can exhaust: the cost limiter still runs, it just never answers 429. */
const UNLIMITED = { capacity: 1e12, restorePerSecond: 1e9, dailyQuota: 1e12 };
const UNLIMITED_TIERS = { tiers: { free: UNLIMITED, pro: UNLIMITED, enterprise: UNLIMITED } };

/** Writes the gateway's configuration files into `dir` and signs the benchmark user's token. */
async function prepare(dir: string): Promise<Setup> {
  const jwtSecret = randomBytes(32).toString('hex');
  const rateLimitsFile = join(dir, 'rate-limits.json');
  writeFileSync(rateLimitsFile, JSON.stringify({ mobile: UNLIMITED_TIERS, web: UNLIMITED_TIERS, public: UNLIMITED_TIERS }));
  // Production refuses the built-in demo keys: the same key, registered the production way.
  const apiKeysFile = join(dir, 'api-keys.json');
  writeFileSync(apiKeysFile, JSON.stringify([{ consumer: 'bench-partner', tier: BENCH_TIER, scopes: ['catalog:read'], sha256: hashApiKey(BENCH_API_KEY) }]));
  const key = new TextEncoder().encode(jwtSecret);
  const sign = (user: string) =>
    new SignJWT({ tier: BENCH_TIER }).setProtectedHeader({ alg: 'HS256' }).setSubject(user).setIssuedAt().setExpirationTime('6h').sign(key);
  return { jwtSecret, rateLimitsFile, apiKeysFile, token: await sign(BENCH_USER), rotatingTokens: await Promise.all(ROTATING_USERS.map(sign)) };
}

function report(options: BenchOptions, out: Outcome, before: string): number {
  const failed = out.rows.reduce((sum, row) => sum + failures(row), 0);
  const checks = out.rows.flatMap(targetsFor);
  const mode = [
    `gateway (${options.source ? 'TypeScript sources under tsx' : 'compiled build'}) in ${options.dev ? 'development mode' : 'NODE_ENV=production'}`,
    `gateway cache ${options.caches.join(' and ')} (off: upstreams answer no-store, so the gateway response cache stores nothing)`,
    ...Object.entries(overloadSettingsFromEnv()).map(([name, value]) => `${name}=${value}`),
  ].join(', ');
  console.log(`\n${formatTable(out.rows)}\n`);
  for (const line of out.answers) console.log(line);
  console.log(`\nmode: ${mode}; ${options.durationS} s per run, ${options.warmupS} s warm-up, ${options.connections} connections for throughput rows`);
  for (const note of out.notes) console.log(note);
  if (options.rows.includes('memory') && options.soakS < MEMORY_TARGET_SOAK_S) {
    console.log(`note: the memory target is stated for ${MEMORY_TARGET_SOAK_S} s; this run soaked ${options.soakS} s (--soak ${MEMORY_TARGET_SOAK_S} for the full check)`);
  }
  console.log('\ntarget verdicts:');
  for (const line of formatVerdicts(out.rows)) console.log(line);
  console.log(`targets: ${checks.filter((c) => c.pass).length} of ${checks.length} pass`);
  console.log(`errors + non-2xx: ${failed}`);
  console.log(`machine before: ${before}`);
  console.log(`machine after:  ${machineLine()}`);
  console.log(`elapsed: ${((Date.now() - startedAt) / 1000).toFixed(0)} s`);
  for (const block of out.profiles) console.log(`\n${block}`);
  if (out.mismatch) log('FAILED: the baseline and the gateway answer differently');
  if (failed > 0) log(`FAILED: ${failed} errors or non-2xx responses`);
  return out.mismatch || failed > 0 ? 1 : 0;
}

/** `--tracing`: the same phase again with every span exported to a local sink; its rows say so. */
async function runTracedPhase(options: BenchOptions, cache: CacheMode, latencyMs: number, setup: Setup, load: ReturnType<typeof startLoadWorker>, out: Outcome): Promise<void> {
  const sink = await startOtlpSink();
  const first = out.rows.length;
  try {
    await runPhase(options, cache, latencyMs, { ...setup, otlpEndpoint: sink.url }, load, log, out);
  } finally {
    await sink.close();
  }
  for (const row of out.rows.slice(first)) row.label = `${row.label} [tracing on]`;
  const { requests, bytes } = sink.received();
  out.notes.push(`tracing on @${latencyMs} ms, cache ${cache}: the sink received ${requests} OTLP exports, ${(bytes / 1_048_576).toFixed(1)} MB`);
}

/** `--persisted`: the same phase again with the apps' documents sent by manifest id; its rows say so. */
async function runPersistedPhase(options: BenchOptions, cache: CacheMode, latencyMs: number, setup: Setup, load: ReturnType<typeof startLoadWorker>, out: Outcome): Promise<void> {
  const first = out.rows.length;
  await runPhase(options, cache, latencyMs, { ...setup, documents: 'id' }, load, log, out);
  for (const row of out.rows.slice(first)) row.label = `${row.label} [by id]`;
}

async function main(): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    log(error instanceof Error ? error.message : String(error));
    return 2;
  }
  // Build before measuring anything.
  await ensureBuilt(log);
  const before = machineLine();
  const dir = mkdtempSync(join(tmpdir(), 'bff-bench-'));
  const out: Outcome = { rows: [], answers: [], mismatch: false, notes: [], profiles: [] };
  const load = startLoadWorker();
  try {
    const setup = await prepare(dir);
    phases: for (const cache of options.caches) {
      for (const latencyMs of options.latencies) {
        await runPhase(options, cache, latencyMs, setup, load, log, out);
        if (out.mismatch) break phases;
        if (options.tracing) await runTracedPhase(options, cache, latencyMs, setup, load, out);
        if (options.persisted) await runPersistedPhase(options, cache, latencyMs, setup, load, out);
        if (out.mismatch) break phases;
      }
    }
  } finally {
    await load.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return report(options, out, before);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n${USAGE}`);
    process.exit(1);
  },
);
