/**
 * The chaos run's load: `connections` closed-loop clients, each sending the
 * four contract operations in turn over keep-alive, recording every answer
 * with its phase, latency, status and verdict. Like a load balancer, they
 * stop sending once `/readyz` says the gateway is draining; what was in
 * flight must still be answered.
 */
import { performance } from 'node:perf_hooks';
import type { BenchRequest, ScenarioName } from '../scenarios.js';
import { judge, type Verdict } from './verdict.js';

export interface Sample {
  scenario: ScenarioName;
  phase: number;
  /** ms since the run's clock started. */
  start: number;
  end: number;
  /** HTTP status, or 0 when no response came (connection refused or cut). */
  status: number;
  verdict?: Verdict;
  detail?: string;
}

export interface TrafficOptions {
  url: string;
  requests: Record<ScenarioName, BenchRequest>;
  references: Record<ScenarioName, unknown>;
  connections: number;
  clock: () => number;
  phase: () => number;
  /** True once the clients should send nothing more. */
  stopped: () => boolean;
}

export function startTraffic(options: TrafficOptions): { samples: Sample[]; done: Promise<void> } {
  const samples: Sample[] = [];
  const names = Object.keys(options.requests) as ScenarioName[];
  const client = async (index: number): Promise<void> => {
    for (let i = index; !options.stopped(); i += 1) {
      const scenario = names[i % names.length]!;
      const request = options.requests[scenario];
      const sample: Sample = { scenario, phase: options.phase(), start: options.clock(), end: 0, status: 0 };
      try {
        const response = await fetch(`${options.url}${request.path}`, {
          method: request.method,
          headers: request.headers,
          ...(request.body === undefined ? {} : { body: request.body }),
          signal: AbortSignal.timeout(20_000),
        });
        sample.status = response.status;
        const body = (await response.json()) as Parameters<typeof judge>[1];
        if (response.status === 200) Object.assign(sample, judge(options.references[scenario], body));
        else sample.detail = String(body.errors?.[0]?.extensions?.code ?? '');
      } catch (error) {
        sample.detail = error instanceof Error ? `${error.name}: ${(error.cause as Error | undefined)?.message ?? error.message}` : String(error);
      }
      sample.end = options.clock();
      samples.push(sample);
    }
  };
  return { samples, done: Promise.all(Array.from({ length: options.connections }, (_, i) => client(i))).then(() => undefined) };
}

/** A clock in ms from now. */
export function startClock(): () => number {
  const t0 = performance.now();
  return () => performance.now() - t0;
}
