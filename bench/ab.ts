/**
 * `npm run bench:ab -- --against <checkout> [--scenario Catalog] [--cache off] [--rounds 3] [--duration 6] [--tracing this|against|both] [--by-id this|against|both] [--rate 500]`:
 * the CPU per request of this checkout's compiled gateway against another
 * checkout's (for example `git worktree add ../before <commit>`, then
 * `npm ci` or a `node_modules` link and `npm run build` there), alternated
 * run by run so that the drift of a shared machine falls on both alike. On
 * the development VM the same build's CPU per request moves by 30–60 %
 * between runs minutes apart: a change is only shown when every pair agrees.
 *
 * Each run: the demo services at 0 ms, the gateway (`scripts/start.mjs` of
 * the checkout) pinned to CPU 0 when there are two cores or more (the rest on
 * the others), autocannon at `--connections` from its own process, `--warmup`
 * s of load (4 by default), then `--duration` s measured; CPU from `/proc`,
 * user + system.
 * `--scenario` is a contract operation, or `healthz`, `typename` (an
 * anonymous `{ __typename }`: the fixed cost of a GraphQL request) or
 * `refusal` (every request refused by the overload guard). `--tracing`
 * turns tracing on (every request sampled, exported to a local OTLP sink) in
 * one side or both: `--against . --tracing this` is this build's tracing
 * overhead, run by run. `--together` runs the two gateways at the same time
 * instead, on the same core, each loaded by its own generator at the same
 * connections: each round's pair then shares the machine's state, which on
 * the development VM drifts more between runs than most changes move.
 * `--env this:NAME=value` (or `against:`, repeatable) sets a variable for
 * one side's gateway only: `--against . --env this:OVERLOAD_EDGE_THREAD=on`
 * is what the edge thread costs, on the same build.
 * `--by-id this` sends one side the apps' documents by their manifest id
 * (`documentId`), as the apps do in production, and the other the full
 * query text: `--against . --by-id this` is what a persisted document saves.
 * `--accept-encoding gzip` sends that header with every request, as browsers
 * and mobile HTTP stacks do (autocannon sends none): with `--env
 * against:RESPONSE_COMPRESSION=off` it is what compressing the answers costs.
 * `--threads` splits each run's CPU by thread (the main thread, the edge
 * thread, V8's helpers, libuv's pool), as /proc names them.
 * `--rate` holds both sides at the same request rate (below what the slower
 * one can serve): on the development VM a request's CPU depends on the rate
 * (a loop that idles between requests pays to wake up), so a flat-out run
 * charges the slower build for being slower.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { ServiceName } from '../clients/errors.js';
import { startGatewayUnderTest } from './chaos/gateway.js';
import { startLoadWorker, type LoadWorker } from './load-worker.js';
import { machineLine } from './machine.js';
import { startOtlpSink } from './otlp-sink.js';
import { CACHE_MODES, oneOf } from './options.js';
import { cpuMs, ensureBuilt, jsonLines, pinBesideGateway, spawnNode, stopProcess, threadCpuMs } from './processes.js';
import { BENCH_USER, createScenarios, SCENARIO_NAMES, type BenchRequest, type DocumentForm, type ScenarioName } from './scenarios.js';

const FIXED = ['healthz', 'typename', 'refusal'] as const;
type Target = ScenarioName | (typeof FIXED)[number];

const { values } = parseArgs({
  options: {
    against: { type: 'string' },
    scenario: { type: 'string', default: 'Catalog' },
    cache: { type: 'string', default: 'on' },
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '6' },
    // Seconds of load before each measured run: at a few hundred requests a second the gateway's compiled code
    // settles only after 15-20 s, and a traced gateway (more code) later than an untraced one.
    warmup: { type: 'string', default: '4' },
    connections: { type: 'string', default: '10' },
    tracing: { type: 'string' },
    'by-id': { type: 'string' },
    together: { type: 'boolean', default: false },
    rate: { type: 'string' },
    // `--env this:OVERLOAD_EDGE_THREAD=on` (repeatable): an environment variable for one side's gateway only.
    env: { type: 'string', multiple: true, default: [] },
    'accept-encoding': { type: 'string' },
    // Each run's CPU split by thread (main, the edge thread, V8's helpers, libuv's pool), from /proc.
    threads: { type: 'boolean', default: false },
  },
});
const target: Target = oneOf(values.scenario, [...SCENARIO_NAMES, ...FIXED], 'scenario');
const cache = oneOf(values.cache, CACHE_MODES, 'cache');
const against = values.against === undefined ? undefined : resolve(values.against);
if (against === undefined || !existsSync(join(against, 'dist', 'main.js'))) {
  throw new Error('--against <checkout>: another checkout of the project with its dist/ built (npm run build there)');
}
/** The sides a `this|against|both` option names (none when it is not given). */
function sidesOf(value: string | undefined, option: string): Side[] {
  if (value === undefined) return [];
  const which = oneOf(value, ['this', 'against', 'both'] as const, option);
  return which === 'both' ? ['this', 'against'] : [which];
}
const traced = sidesOf(values.tracing, 'tracing');
const byId = sidesOf(values['by-id'], 'by-id');
const rounds = Number(values.rounds);
const seconds = Number(values.duration);
const warmupSeconds = Number(values.warmup);
const connections = Number(values.connections);
const rate = values.rate === undefined ? undefined : Number(values.rate);
const sideEnv: Record<'this' | 'against', Record<string, string>> = { this: {}, against: {} };
for (const setting of values.env) {
  const match = /^(this|against):([A-Z_][A-Z0-9_]*)=(.*)$/.exec(setting);
  if (!match) throw new Error(`--env ${setting}: expected this:NAME=value or against:NAME=value`);
  sideEnv[match[1] as 'this' | 'against'][match[2]!] = match[3]!;
}

function requestFor(token: string, which: Side): BenchRequest {
  const request = targetRequest(token, byId.includes(which) ? 'id' : 'text');
  const acceptEncoding = values['accept-encoding'];
  return acceptEncoding === undefined ? request : { ...request, headers: { ...request.headers, 'accept-encoding': acceptEncoding } };
}

function targetRequest(token: string, form: DocumentForm): BenchRequest {
  if (target === 'healthz') return { method: 'GET', path: '/healthz', headers: {} };
  if (target === 'typename' || target === 'refusal') {
    return { method: 'POST', path: '/web/graphql', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) };
  }
  return createScenarios(token, BENCH_USER, form)[target].gateway;
}

// Read before pinning this process, which would make it see one core.
const machineBefore = machineLine();
const split = pinBesideGateway();
await ensureBuilt();

const upstreams = spawnNode('bench/upstreams.ts', { DEMO_LATENCY_MS: '0', BENCH_NO_STORE: cache === 'off' ? '1' : '0' });
const { urls } = (await jsonLines(upstreams)()) as { urls: Record<ServiceName, string> };
const load = startLoadWorker();
const secondLoad = values.together ? startLoadWorker() : undefined;
// A guard whose event-loop limit any loop exceeds refuses every GraphQL request once two windows have passed.
const env: Record<string, string> = target === 'refusal' ? { OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '1' } : {};
const sink = traced.length > 0 ? await startOtlpSink() : undefined;
// `OTEL_TRACES_SAMPLER=always_off` or `OTEL_TRACES_SAMPLER_ARG=0.1 npm run bench:ab …`: the traced side at another sampler or ratio.
const samplerEnv = Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[0].startsWith('OTEL_TRACES_SAMPLER') && entry[1] !== undefined));
const tracingEnv: Record<string, string> = sink ? { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, ...samplerEnv } : {};
const results: Record<'this' | 'against', number[]> = { this: [], against: [] };

type Side = 'this' | 'against';

async function startSide(which: Side) {
  const root = which === 'this' ? process.cwd() : against!;
  return startGatewayUnderTest(urls, { ...env, ...(traced.includes(which) ? tracingEnv : {}), ...sideEnv[which] }, { script: join(root, 'scripts', 'start.mjs'), ...(split ? { cpus: split.gateway } : {}) });
}

type Gateway = Awaited<ReturnType<typeof startSide>>;

/** Loads each gateway with its own generator, all at once; the CPU each spent per request. */
async function loadTogether(sides: { which: Side; gateway: Gateway; load: LoadWorker }[]): Promise<string[]> {
  const jobs = sides.map(({ which, gateway }) => ({ url: gateway.url, requests: [requestFor(gateway.token, which)], connections, ...(rate === undefined ? {} : { rate }) }));
  await Promise.all(sides.map(({ load: worker }, i) => worker.run({ ...jobs[i]!, durationS: warmupSeconds })));
  const before = sides.map(({ gateway }) => cpuMs(gateway.process.pid));
  const threadsBefore = sides.map(({ gateway }) => threadCpuMs(gateway.process.pid));
  const runs = await Promise.all(sides.map(({ load: worker }, i) => worker.run({ ...jobs[i]!, durationS: seconds })));
  const after = sides.map(({ gateway }) => cpuMs(gateway.process.pid));
  const threadsAfter = sides.map(({ gateway }) => threadCpuMs(gateway.process.pid));
  return sides.map(({ which }, i) => {
    const [start, end, run] = [before[i], after[i], runs[i]!];
    if (start === null || end === null || start === undefined || end === undefined) throw new Error('no CPU figure for the gateway (/proc)');
    const expectedStatus = target === 'refusal' ? 'refused' : 'ok';
    const wrong = target === 'refusal' ? run.completed - run.non2xx : run.non2xx + run.errors;
    const perRequest = ((end - start) * 1000) / run.completed;
    results[which].push(perRequest);
    const split = values.threads ? ` (${threadSplit(threadsBefore[i]!, threadsAfter[i]!, run.completed)})` : '';
    return `${which.padEnd(7)} ${run.completed} requests (${wrong} not ${expectedStatus}), ${perRequest.toFixed(0)} µs CPU per request${split}`;
  });
}

/** µs per request by kind of thread, between two `threadCpuMs` readings. */
function threadSplit(before: Map<string, number>, after: Map<string, number>, requests: number): string {
  return [...after]
    .map(([name, ms]) => [name, ((ms - (before.get(name) ?? 0)) * 1000) / requests] as const)
    .filter(([, us]) => us >= 1)
    .sort((a, b) => b[1] - a[1])
    .map(([name, us]) => `${name} ${us.toFixed(0)}`)
    .join(', ');
}

async function measure(which: Side): Promise<string> {
  const gateway = await startSide(which);
  try {
    return (await loadTogether([{ which, gateway, load }]))[0]!;
  } finally {
    await gateway.stop();
  }
}

async function measureTogether(): Promise<string> {
  const gateways = await Promise.all((['this', 'against'] as const).map(startSide));
  try {
    const lines = await loadTogether([
      { which: 'this', gateway: gateways[0], load },
      { which: 'against', gateway: gateways[1], load: secondLoad! },
    ]);
    return lines.join('; ');
  } finally {
    await Promise.all(gateways.map((gateway) => gateway.stop()));
  }
}

try {
  for (let round = 1; round <= rounds; round += 1) {
    // Alternate which goes first, so neither always meets a machine just warmed (or loaded) by the other.
    const order: ('this' | 'against')[] = round % 2 === 1 ? ['against', 'this'] : ['this', 'against'];
    if (values.together) process.stderr.write(`round ${round}: ${await measureTogether()}\n`);
    else for (const which of order) process.stderr.write(`round ${round}: ${await measure(which)}\n`);
  }
} finally {
  await load.stop();
  await secondLoad?.stop();
  await stopProcess(upstreams);
  await sink?.close();
}

/** A checkout's commit (short), marked when its tree has uncommitted changes; its folder is never printed. */
function commitOf(root: string): string {
  try {
    const commit = execFileSync('git', ['-C', root, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['-C', root, 'status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim() !== '';
    return dirty ? `${commit} with changes` : commit;
  } catch {
    return 'not a git checkout';
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
const pairs = results.this.map((mine, i) => mine / results.against[i]!);
const sampling = Object.keys(samplerEnv).length === 0 ? 'every request' : Object.entries(samplerEnv).map(([k, v]) => `${k}=${v}`).join(' ');
const tracingNote = traced.length === 0 ? '' : `; tracing on (${sampling}, to a local sink) in ${traced.join(' and ')}, ${sink!.received().requests} exports`;
const envNote = (['this', 'against'] as const)
  .filter((which) => Object.keys(sideEnv[which]).length > 0)
  .map((which) => `; ${which} with ${Object.entries(sideEnv[which]).map(([k, v]) => `${k}=${v}`).join(' ')}`)
  .join('');
const byIdNote = byId.length === 0 ? '' : `; the apps' documents sent by manifest id to ${byId.join(' and ')}`;
const mode = values.together ? 'both gateways at once, each with its own generator' : 'one gateway at a time';
const encodingNote = values['accept-encoding'] === undefined ? '' : ` with Accept-Encoding: ${values['accept-encoding']}`;
console.log(`\n${target}${encodingNote}, cache ${cache}, ${connections} connections${rate === undefined ? '' : ` at ${rate} req/s`}, ${rounds} rounds of ${seconds} s after ${warmupSeconds} s of warm-up, ${mode}; ${split ? 'gateways on CPU 0' : 'CPUs shared'}${tracingNote}${byIdNote}${envNote}`);
console.log(`machine: ${machineBefore}`);
console.log(`| checkout | CPU µs per request, each run | median |`);
console.log(`| --- | --- | --: |`);
console.log(`| against (${commitOf(against!)}) | ${results.against.map((x) => x.toFixed(0)).join(', ')} | ${median(results.against).toFixed(0)} |`);
console.log(`| this (${commitOf(process.cwd())}) | ${results.this.map((x) => x.toFixed(0)).join(', ')} | ${median(results.this).toFixed(0)} |`);
console.log(`this ÷ against, pair by pair: ${pairs.map((r) => r.toFixed(2)).join(', ')}${pairs.every((r) => r < 1) ? ' (every pair lower)' : pairs.every((r) => r > 1) ? ' (every pair higher)' : ' (the pairs disagree: within the noise)'}`);
