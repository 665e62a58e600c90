/**
 * The load generator, in its own process so it never shares an event loop
 * with the servers it measures: `node --import tsx bench/load.ts`. Reads one
 * `LoadJob` per line on stdin, runs autocannon, writes one `LoadResult` per
 * line on stdout. Latencies are kept here at full resolution (autocannon's
 * histogram rounds to whole milliseconds, too coarse for a sub-millisecond
 * difference at light load).
 */
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import type { BenchRequest } from './scenarios.js';

export interface LoadJob {
  id: number;
  /** `http://host:port`; the requests' paths are relative to it. */
  url: string;
  /** Sent in turn on every connection (one request: the same one every time). */
  requests: BenchRequest[];
  /**
   * Connection i starts its turn at request i × `staggerStep` (mod the list's
   * length) instead of every connection at the first: with a block of
   * `staggerStep` requests per user, requests in flight at the same moment are
   * for different users.
   */
  staggerStep?: number;
  connections: number;
  durationS: number;
  /** Requests per second across all connections (autocannon's `overallRate`); absent: as fast as answered. */
  rate?: number;
}

export interface LoadResult {
  id: number;
  /** Responses received (any status). */
  completed: number;
  non2xx: number;
  /** Connection errors, timeouts included. */
  errors: number;
  timeouts: number;
  elapsedS: number;
  requestsPerSecond: number;
  /** Percentiles of the 2xx responses' latency, in milliseconds; null without any. */
  p50Ms: number | null;
  p99Ms: number | null;
  /** Set when autocannon itself failed. */
  failure?: string;
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: Float64Array, p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

async function run(job: LoadJob): Promise<LoadResult> {
  let latencies = new Float64Array(65_536);
  let count = 0;
  const requests = job.requests.map((r) => ({ method: r.method, path: r.path, headers: r.headers, ...(r.body === undefined ? {} : { body: r.body }) }));
  let clients = 0;
  const options: autocannon.Options = {
    url: job.url,
    connections: job.connections,
    duration: job.durationS,
    requests,
    ...(job.rate !== undefined ? { overallRate: job.rate } : {}),
    ...(job.staggerStep !== undefined
      ? {
          setupClient: (client: autocannon.Client) => {
            const offset = (clients++ * job.staggerStep!) % requests.length;
            client.setRequests([...requests.slice(offset), ...requests.slice(0, offset)]);
          },
        }
      : {}),
  };
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(options, (error: unknown, done: autocannon.Result) => (error ? reject(error) : resolve(done)));
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode < 200 || statusCode >= 300) return;
      if (count === latencies.length) {
        const grown = new Float64Array(latencies.length * 2);
        grown.set(latencies);
        latencies = grown;
      }
      latencies[count++] = responseTime;
    });
  });
  const sorted = latencies.subarray(0, count).sort();
  return {
    id: job.id,
    completed: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    elapsedS: result.duration,
    requestsPerSecond: result.requests.total / result.duration,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
  };
}

const lines = createInterface({ input: process.stdin });
// One job at a time: two at once would compete for this process's CPU.
let queue = Promise.resolve();
lines.on('line', (line) => {
  const job = JSON.parse(line) as LoadJob;
  queue = queue.then(async () => {
    let result: LoadResult;
    try {
      result = await run(job);
    } catch (error) {
      const nothing = { completed: 0, non2xx: 0, errors: 0, timeouts: 0, elapsedS: 0, requestsPerSecond: 0, p50Ms: null, p99Ms: null };
      result = { id: job.id, ...nothing, failure: String(error) };
    }
    process.stdout.write(`${JSON.stringify(result)}\n`);
  });
});
