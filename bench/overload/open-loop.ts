/**
 * Load at a fixed arrival rate (open loop): requests start on schedule
 * whether or not earlier ones have been answered, as real clients arrive. A
 * closed loop (autocannon's connections) would slow down with the server and
 * could never offer "3× what it can take".
 *
 * Sent with undici's `Pool.request`, not `fetch`: the generator must cost far
 * less per request than the server it measures (fetch's WHATWG layers cost
 * several times more), or at 3× the server's rate it falls behind its own
 * schedule and measures itself.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import type { BenchRequest } from '../scenarios.js';

export interface Answer {
  status: number;
  /** When the request was due (open loop), ms from the run's start. */
  at?: number;
  /** Which of the requests it was (its index in the list sent in turn; open loop). */
  op?: number;
  /** From the request's send (including any wait for a free connection) to the end of the response. */
  ms: number;
  code?: string;
  retryAfter?: string | null;
}

export interface OpenLoopResult {
  answers: Answer[];
  /** How late the generator sent requests against their schedule, p99 and worst (ms): large means it measured itself. */
  lagP99Ms: number;
  lagMaxMs: number;
  /** The generator's own event-loop delay in each second of the run (p99 and worst, ms): time its answers waited to be read. */
  loopDelayBySecond: { p99Ms: number; maxMs: number }[];
  /** Connections the generator opened and saw closed during the run (the pre-opened ones included). */
  connections: { opened: number; closed: number };
}

/** At most this many connections to the server; a request with none free waits in the generator (and that wait counts). */
export const MAX_CONNECTIONS = 512;

function headerText(value: string | string[] | undefined): string | null {
  return value === undefined ? null : Array.isArray(value) ? (value[0] ?? null) : value;
}

async function sendOne(pool: Pool, request: BenchRequest, from: number): Promise<Answer> {
  try {
    const response = await pool.request({
      path: request.path,
      method: request.method,
      headers: request.headers,
      body: request.body ?? null,
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
    });
    const text = await response.body.text();
    const answer: Answer = { status: response.statusCode, ms: performance.now() - from, retryAfter: headerText(response.headers['retry-after']) };
    if (response.statusCode !== 200) {
      try {
        answer.code = String((JSON.parse(text) as { errors?: { extensions?: { code?: string } }[] }).errors?.[0]?.extensions?.code);
      } catch {
        answer.code = 'not JSON';
      }
    }
    return answer;
  } catch {
    return { status: 0, ms: performance.now() - from };
  }
}

export function percentile(sorted: number[], q: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil((q / 100) * sorted.length) - 1)]!;
}

/** Sends `requests` in turn at `ratePerSecond` for `seconds`; resolves with every answer once all are in. */
export async function openLoop(url: string, requests: BenchRequest[], ratePerSecond: number, seconds: number): Promise<OpenLoopResult> {
  const pool = new Pool(url, { connections: MAX_CONNECTIONS, pipelining: 1 });
  let connects = 0;
  let disconnects = 0;
  pool.on('connect', () => (connects += 1));
  pool.on('disconnect', () => (disconnects += 1));
  const answers: Promise<Answer>[] = [];
  const lags: number[] = [];
  // Every connection opened before the clock starts, as a load balancer's keep-alive pool would be:
  // a burst of new connections is a different test (and the edge's connection limits answer it).
  await Promise.all(Array.from({ length: MAX_CONNECTIONS }, () => pool.request({ path: '/healthz', method: 'GET' }).then((r) => r.body.dump())));
  const t0 = performance.now();
  const total = Math.round(ratePerSecond * seconds);
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  const loopDelayBySecond: OpenLoopResult['loopDelayBySecond'] = [];
  const sampleLoopDelay = () => {
    loopDelayBySecond.push({ p99Ms: loopDelay.percentile(99) / 1e6, maxMs: loopDelay.max / 1e6 });
    loopDelay.reset();
  };
  loopDelay.enable();
  const perSecond = setInterval(sampleLoopDelay, 1000);
  const intervalMs = 1000 / ratePerSecond;
  try {
    let sent = 0;
    while (sent < total) {
      const now = performance.now();
      for (; sent < total; sent += 1) {
        const due = t0 + sent * intervalMs;
        if (due > now) break;
        lags.push(now - due);
        // Timed from the send, not from when it was due: the generator's own lag (reported) is not the server's.
        // A request waiting for a free connection is timed, as a client waiting for one would be.
        const op = sent % requests.length;
        answers.push(sendOne(pool, requests[op]!, now).then((answer) => ({ ...answer, at: due - t0, op })));
      }
      // Sleep when the next request is a millisecond or more away; otherwise only let answers in.
      if (sent < total && t0 + sent * intervalMs - performance.now() >= 1) await sleep(1);
      else await yieldToLoop();
    }
    const settled = await Promise.all(answers);
    clearInterval(perSecond);
    loopDelay.disable();
    lags.sort((a, b) => a - b);
    return { answers: settled, lagP99Ms: percentile(lags, 99), lagMaxMs: lags.at(-1) ?? 0, loopDelayBySecond, connections: { opened: connects, closed: disconnects } };
  } finally {
    clearInterval(perSecond);
    await pool.close();
  }
}

/** Closed loop: `connections` clients each sending the next request when the last is answered, for `seconds`. */
export async function closedLoop(url: string, requests: BenchRequest[], connections: number, seconds: number): Promise<Answer[]> {
  const pool = new Pool(url, { connections, pipelining: 1 });
  const answers: Answer[] = [];
  const until = performance.now() + seconds * 1000;
  try {
    await Promise.all(
      Array.from({ length: connections }, async (_, c) => {
        for (let i = c; performance.now() < until; i += 1) {
          answers.push(await sendOne(pool, requests[i % requests.length]!, performance.now()));
        }
      }),
    );
    return answers;
  } finally {
    await pool.close();
  }
}
