/**
 * `npm run bench:alloc [-- --scenario Catalog --cache off --duration 5 --connections 10 --top 25 --tracing]`:
 * how many bytes the gateway allocates per request of one scenario, and
 * where. Garbage is a fifth to a third of the gateway's CPU (the collector's
 * share in the profiles), and unlike CPU time on a shared VM, bytes per
 * request hardly move between runs, so a change that allocates less shows
 * here when the throughput rows cannot see it.
 *
 * The gateway runs in this process from the sources, so V8's sampling heap
 * profiler (through the inspector, counting objects the collector has
 * already freed as well) sees every allocation with its stack; the demo
 * services (0 ms) and the load generator run in their own processes. After a
 * warm-up (plans compiled, code optimised), one sampled window of load.
 * Prints KB per request and the allocation sites (self, by function) with
 * their share. `--tracing`: with tracing on (every request sampled, exported
 * to a local OTLP sink).
 */
import { Session } from 'node:inspector/promises';
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { ServiceName } from '../clients/errors.js';
import { loadConfig } from '../src/config.js';
import { startGateway } from '../src/gateway.js';
import { createLogger } from '../src/logger.js';
import { gatewayUnderTestSetup } from './chaos/gateway.js';
import { startLoadWorker } from './load-worker.js';
import { CACHE_MODES, oneOf } from './options.js';
import { startOtlpSink } from './otlp-sink.js';
import { jsonLines, spawnNode, stopProcess } from './processes.js';
import { createScenarios, SCENARIO_NAMES, type ScenarioName } from './scenarios.js';

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'Catalog' },
    cache: { type: 'string', default: 'off' },
    duration: { type: 'string', default: '5' },
    connections: { type: 'string', default: '10' },
    top: { type: 'string', default: '25' },
    tracing: { type: 'boolean', default: false },
  },
});
const scenario: ScenarioName = oneOf(values.scenario, SCENARIO_NAMES, 'scenario');
const cache = oneOf(values.cache, CACHE_MODES, 'cache');
const seconds = Number(values.duration);
const connections = Number(values.connections);

/** One node of V8's sampling heap profile. */
interface HeapNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: HeapNode[];
}

/** Self bytes by function (`name file:line`, paths from the project or the package), largest first. */
function sites(head: HeapNode): { total: number; bySite: [string, number][] } {
  const bySite = new Map<string, number>();
  let total = 0;
  const stack = [head];
  for (let node = stack.pop(); node; node = stack.pop()) {
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(src|clients|resolvers|bench)\//, '$1/');
    // No file: a built-in (Map#set, Promise.all) or code generated at run time (graphql-jit's compiled handlers).
    const where = file ? `${file}${lineNumber > 0 ? `:${lineNumber + 1}` : ''}` : '(built-in or generated)';
    const key = `${functionName || '(anonymous)'} ${where}`;
    bySite.set(key, (bySite.get(key) ?? 0) + node.selfSize);
    total += node.selfSize;
    stack.push(...node.children);
  }
  return { total, bySite: [...bySite].sort((a, b) => b[1] - a[1]) };
}

const upstreams = spawnNode('bench/upstreams.ts', { DEMO_LATENCY_MS: '0', BENCH_NO_STORE: cache === 'off' ? '1' : '0' });
const { urls } = (await jsonLines(upstreams)()) as { urls: Record<ServiceName, string> };
const sink = values.tracing ? await startOtlpSink() : undefined;
const setup = await gatewayUnderTestSetup(urls, { PORT: '0', LOG_LEVEL: 'silent', ...(sink ? { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url } : {}) });
const config = loadConfig(setup.env);
const gateway = await startGateway(config, createLogger(config.logLevel));
const load = startLoadWorker();
const session = new Session();
try {
  const request = createScenarios(setup.token)[scenario].gateway;
  const job = { url: gateway.url, requests: [request], connections };
  const warm = await load.run({ ...job, durationS: 3 });
  if (warm.non2xx > 0 || warm.errors > 0) throw new Error(`warm-up: ${warm.non2xx} non-2xx, ${warm.errors} errors`);
  session.connect();
  // Objects already collected are counted too: the question is what a request allocates, not what it keeps.
  // (V8 takes the two include flags; Node's typings do not list them yet.)
  const sampling = { samplingInterval: 4096, includeObjectsCollectedByMinorGC: true, includeObjectsCollectedByMajorGC: true };
  await session.post('HeapProfiler.startSampling', sampling);
  const measured = await load.run({ ...job, durationS: seconds });
  const { profile } = (await session.post('HeapProfiler.stopSampling')) as unknown as { profile: { head: HeapNode } };
  if (measured.non2xx > 0 || measured.errors > 0) throw new Error(`measured window: ${measured.non2xx} non-2xx, ${measured.errors} errors`);
  const { total, bySite } = sites(profile.head);
  console.log(`${scenario}, cache ${cache}${sink ? ', tracing on' : ''}, ${connections} connections, ${seconds} s: ${measured.completed} requests, ${(total / measured.completed / 1024).toFixed(0)} KB allocated per request (sampled every 4 KB)\n`);
  console.log('| share | KB/req | allocation site |');
  console.log('| --: | --: | --- |');
  for (const [site, bytes] of bySite.slice(0, Number(values.top))) {
    console.log(`| ${((100 * bytes) / total).toFixed(1)} % | ${(bytes / measured.completed / 1024).toFixed(1)} | \`${site}\` |`);
  }
} finally {
  session.disconnect();
  await load.stop();
  await gateway.close();
  await stopProcess(upstreams);
  await sink?.close();
  rmSync(setup.dir, { recursive: true, force: true });
}
