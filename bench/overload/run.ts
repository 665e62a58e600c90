/**
 * `npm run bench:overload [-- --duration 10 --multiple 3 --connections 10]`:
 * what the overload shedding does. Against the demo services at 0 ms, with
 * the gateway's default limits (NODE_ENV=production):
 *
 * 1. normal load: the four contract operations mixed, closed loop at
 *    `--connections`; its throughput is "the load the process can take", and
 *    nothing may be shed;
 * 2. `--multiple`× that rate, open loop: the accepted requests' p99, the
 *    refusals' p99 and the share refused.
 *
 * Prints both rows; exits 1 when a request fails other than by a 503
 * OVERLOADED, or when the normal load is shed. Timing targets (accepted p99
 * < 250 ms, refusal p99 < 10 ms) are reported, never a failure. See
 * BENCHMARKS.md, "Overload".
 */
import { parseArgs } from 'node:util';
import type { ServiceName } from '../../clients/errors.js';
import { startGatewayUnderTest } from '../chaos/gateway.js';
import { machineLine } from '../machine.js';
import { jsonLines, spawnNode, stopProcess } from '../processes.js';
import { createScenarios, SCENARIO_NAMES } from '../scenarios.js';
import { closedLoop, openLoop, type Answer } from './open-loop.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    multiple: { type: 'string', default: '3' },
    connections: { type: 'string', default: '10' },
  },
});
const seconds = Number(values.duration);
const multiple = Number(values.multiple);
const connections = Number(values.connections);

function p(sorted: number[], q: number): string {
  if (sorted.length === 0) return '—';
  const value = sorted[Math.min(sorted.length - 1, Math.ceil((q / 100) * sorted.length) - 1)]!;
  return value < 10 ? value.toFixed(2) : value.toFixed(0);
}

function row(label: string, offered: string, answers: Answer[], seconds: number): string {
  const ok = answers.filter((a) => a.status === 200).map((a) => a.ms).sort((x, y) => x - y);
  const refused = answers.filter((a) => a.status === 503 && a.code === 'OVERLOADED').map((a) => a.ms).sort((x, y) => x - y);
  const other = answers.length - ok.length - refused.length;
  const share = answers.length === 0 ? 0 : (100 * refused.length) / answers.length;
  return `| ${label} | ${offered} | ${(ok.length / seconds).toFixed(0)} | ${p(ok, 50)} / ${p(ok, 99)} | ${refused.length} (${share.toFixed(1)}%) | ${p(refused, 50)} / ${p(refused, 99)} | ${other} |`;
}

const upstreams = spawnNode('bench/upstreams.ts', { DEMO_LATENCY_MS: '0' });
const { urls } = (await jsonLines(upstreams)()) as { urls: Record<ServiceName, string> };
const gateway = await startGatewayUnderTest(urls, {});
let failed = false;
try {
  const scenarios = createScenarios(gateway.token);
  const requests = SCENARIO_NAMES.map((name) => scenarios[name].gateway);
  process.stderr.write(`warm-up ${Math.min(3, seconds)} s\n`);
  await closedLoop(gateway.url, requests, connections, Math.min(3, seconds));
  process.stderr.write(`normal load: ${connections} connections, ${seconds} s\n`);
  const normal = await closedLoop(gateway.url, requests, connections, seconds);
  const capacity = normal.filter((a) => a.status === 200).length / seconds;
  const rate = Math.round(capacity * multiple);
  process.stderr.write(`${multiple}× load: ${rate} req/s offered for ${seconds} s\n`);
  // What the gateway saw, from its own verbose status (a probe that is never shed).
  const seen = { inFlight: 0, eventLoopDelayMs: 0, notReady: 0 };
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const response = await fetch(`${gateway.url}/readyz?verbose`).catch(() => null);
      if (response) {
        const status = (await response.json()) as { inFlight: number; eventLoopDelayMs: number };
        seen.inFlight = Math.max(seen.inFlight, status.inFlight);
        seen.eventLoopDelayMs = Math.max(seen.eventLoopDelayMs, status.eventLoopDelayMs);
        if (response.status !== 200) seen.notReady += 1;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();
  const over = await openLoop(gateway.url, requests, rate, seconds);
  sampling = false;
  await sampler;
  const readyz = (await fetch(`${gateway.url}/metrics`).then((r) => r.text())).match(/^bff_shed_total\{.*$/gm) ?? [];

  console.log(`\n| load | offered | accepted req/s | accepted p50 / p99 ms | refused (share) | refusal p50 / p99 ms | other failures |`);
  console.log(`| --- | --: | --: | --: | --: | --: | --: |`);
  console.log(row(`normal: ${connections} connections, closed loop`, `${capacity.toFixed(0)} req/s`, normal, seconds));
  console.log(row(`${multiple}× that, open loop`, `${rate} req/s`, over, seconds));
  console.log(`\n${machineLine()}`);
  console.log(`gateway counters: ${readyz.join('; ') || 'nothing shed'}`);
  console.log(`during the ${multiple}× load the gateway saw at most ${seen.inFlight} in flight and ${seen.eventLoopDelayMs.toFixed(0)} ms event-loop delay; /readyz 503 in ${seen.notReady} samples`);
  const normalShed = normal.filter((a) => a.status !== 200);
  const otherFailures = over.filter((a) => a.status !== 200 && !(a.status === 503 && a.code === 'OVERLOADED' && a.retryAfter !== null));
  if (normalShed.length > 0) console.log(`FAIL: ${normalShed.length} requests of the normal load were not 200 (${normalShed[0]!.status})`);
  if (otherFailures.length > 0) console.log(`FAIL: ${otherFailures.length} requests at ${multiple}× failed other than by 503 OVERLOADED (${otherFailures[0]!.status} ${otherFailures[0]!.code ?? ''})`);
  failed = normalShed.length > 0 || otherFailures.length > 0;
} finally {
  await gateway.stop();
  await stopProcess(upstreams);
}
process.exitCode = failed ? 1 : 0;
