/**
 * `[OVERLOAD_EDGE_THREAD=on] npm run chaos [-- --duration 90 --connections 30 --no-lag-shedding]`: the gateway under a
 * steady mixed load (the four contract operations) while each demo service
 * fails in turn, Redis is killed and restarted, and SIGTERM ends it. Prints a
 * table per phase and exits 1 on any 5xx from /graphql, any wrong answer, a
 * /readyz 503 before SIGTERM, or a request cut off by SIGTERM. See
 * BENCHMARKS.md, "Chaos run".
 */
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServiceName } from '../../clients/errors.js';
import { jsonLines, spawnNode, stopProcess } from '../processes.js';
import { createScenarios, SCENARIO_NAMES, type ScenarioName } from '../scenarios.js';
import { overloadSettingsFromEnv, startGatewayUnderTest } from './gateway.js';
import { planPhases } from './plan.js';
import { startChaosRedis } from './redis.js';
import { failures, formatTable, recoveryMs, warnings, type PhaseRecord } from './report.js';
import { startClock, startTraffic } from './traffic.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '90' },
    connections: { type: 'string', default: '30' },
    // For the test suite's short run on a shared machine, whose neighbours starve the event loop.
    'no-lag-shedding': { type: 'boolean', default: false },
  },
});
const durationS = Number(values.duration);
const connections = Number(values.connections);
if (!(durationS >= 10) || !(connections >= 1)) throw new Error('usage: npm run chaos -- [--duration 90 (≥ 10)] [--connections 30]');

const started = Date.now();
const log = (message: string) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${message}\n`);
/** The gateway as deployed, except shorter waits so a 90 s run sees faults open, contain and heal. */
const CHAOS_SETTINGS = { UPSTREAM_TIMEOUT_MS: '2000', CIRCUIT_COOLDOWN_MS: '2000', SHUTDOWN_DELAY_MS: '2000' };

const redis = await startChaosRedis();
if (!redis) log('redis-server not installed: no Redis phases');
const upstreams = spawnNode('bench/chaos/upstreams.ts', {}, { stdin: 'pipe' });
const upstreamLines = jsonLines(upstreams);
const { urls } = (await upstreamLines()) as { urls: Record<ServiceName, string> };
const setFault = async (command: object) => {
  upstreams.child.stdin!.write(`${JSON.stringify(command)}\n`);
  await upstreamLines();
};

// `OVERLOAD_EDGE_THREAD=on npm run chaos`: the run with other overload settings than the gateway's own.
const overloadSettings = overloadSettingsFromEnv();
const gateway = await startGatewayUnderTest(urls, {
  ...(redis ? { REDIS_URL: redis.url } : {}),
  ...CHAOS_SETTINGS,
  ...overloadSettings,
  // Only the all-or-nothing delay limit: the adaptive in-flight limit stays on, and must not shed this load (it is never reached).
  ...(values['no-lag-shedding'] ? { OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0' } : {}),
});
const gatewayUrl = gateway.url;
let exitCode: number | null = 1;
try {
  const scenarios = createScenarios(gateway.token);
  const requests = Object.fromEntries(SCENARIO_NAMES.map((name) => [name, scenarios[name].gateway])) as Record<ScenarioName, (typeof scenarios)[ScenarioName]['gateway']>;
  // The reference answers, with every service up: what a full answer is.
  const references = {} as Record<ScenarioName, unknown>;
  // A cold process on a busy machine may miss the first deadlines: a few tries each.
  for (const name of SCENARIO_NAMES) {
    const request = requests[name];
    for (let attempt = 1; references[name] === undefined; attempt += 1) {
      const response = await fetch(`${gatewayUrl}${request.path}`, { method: request.method, headers: request.headers, ...(request.body ? { body: request.body } : {}) });
      const body = (await response.json()) as { data?: unknown; errors?: unknown };
      if (response.status === 200 && !body.errors) references[name] = body.data;
      else if (attempt === 10) throw new Error(`${name} is not a full answer with every service up: ${JSON.stringify(body).slice(0, 300)}`);
      else await sleep(500);
    }
  }

  const phases = planPhases(durationS, redis !== null);
  const records: PhaseRecord[] = [];
  const clock = startClock();
  let current = 0;
  let draining = false;
  let gatewayGone = false;
  log(`chaos: ${phases.length} phases over ~${durationS} s, ${connections} connections`);
  const traffic = startTraffic({ url: gatewayUrl, requests, references, connections, clock, phase: () => current, stopped: () => draining });
  // The load balancer's view: /readyz every 250 ms; a 503 after SIGTERM stops the traffic.
  const poller = (async () => {
    while (!gatewayGone) {
      try {
        const response = await fetch(`${gatewayUrl}/readyz`, { signal: AbortSignal.timeout(2_000) });
        const { status } = (await response.json()) as { status: string };
        // The reason matters: 503 "overloaded" is shedding by design, 503 for a dependency would be the bug.
        records[current]?.readyz.push(response.status === 200 ? '200' : `503 ${status}`);
        if (response.status === 503 && phases[current]?.kind === 'sigterm') draining = true;
      } catch {
        // Listener closed (after SIGTERM) or a probe timed out: the next one tells.
      }
      await sleep(250);
    }
  })();

  for (const [index, phase] of phases.entries()) {
    current = index;
    const record: PhaseRecord = { phase, start: clock(), end: 0, readyz: [] };
    records.push(record);
    log(phase.name);
    switch (phase.kind) {
      case 'steady':
        await sleep(phase.seconds * 1000);
        break;
      case 'fault':
        await setFault({ service: phase.service, mode: phase.mode });
        await sleep(phase.seconds * 1000);
        break;
      case 'recover':
        await setFault({ clear: true });
        await sleep(phase.seconds * 1000);
        break;
      case 'redis-down':
        redis!.kill();
        await sleep(phase.seconds * 1000);
        break;
      case 'redis-back': {
        await redis!.restart();
        const until = clock() + phase.seconds * 1000;
        record.recoveryMs = null;
        while (clock() < until) {
          const status = (await (await fetch(`${gatewayUrl}/readyz?verbose`)).json()) as { redis?: string };
          if (status.redis === 'up' && record.recoveryMs === null) record.recoveryMs = clock() - record.start;
          await sleep(100);
        }
        break;
      }
      case 'sigterm':
        gateway.process.child.kill('SIGTERM');
        await traffic.done;
        exitCode = await gateway.exited;
        gatewayGone = true;
        break;
    }
    record.end = clock();
  }
  await poller;
  // Answers still in flight at a phase's end count too: measured once everything is in.
  for (const record of records) {
    if (record.phase.kind === 'recover') record.recoveryMs = recoveryMs(traffic.samples, record.start, record.end);
  }

  console.log(`\n${formatTable(records, traffic.samples)}\n`);
  console.log(
    `${traffic.samples.length} requests, ${connections} connections, mixed ${SCENARIO_NAMES.join(' / ')}; ` +
      `gateway NODE_ENV=production with ${Object.entries({ ...CHAOS_SETTINGS, ...overloadSettings }).map(([k, v]) => `${k}=${v}`).join(', ')}` +
      `${values['no-lag-shedding'] ? ', OVERLOAD_MAX_EVENT_LOOP_DELAY_MS=0' : ''}` +
      `${redis ? ', REDIS_URL (a local redis-server)' : ', no Redis'}; gateway exit code ${exitCode}`,
  );
  for (const warning of warnings(records, traffic.samples)) console.log(`WARN: ${warning}`);
  const found = failures(records, traffic.samples, exitCode);
  for (const failure of found) console.log(`FAIL: ${failure}`);
  if (found.length === 0) console.log('PASS: no 5xx, no wrong answer, /readyz 200 through every fault, nothing cut off by SIGTERM');
  process.exitCode = found.length === 0 ? 0 : 1;
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  console.error(gateway.process.stderr());
  process.exitCode = 1;
} finally {
  await gateway.stop();
  await stopProcess(upstreams);
  redis?.stop();
}
