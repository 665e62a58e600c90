/**
 * Load at a fixed arrival rate (open loop): requests start on schedule
 * whether or not earlier ones have been answered, as real clients arrive. A
 * closed loop (autocannon's connections) would slow down with the server and
 * could never offer "3× what it can take".
 */
import { performance } from 'node:perf_hooks';
import type { BenchRequest } from '../scenarios.js';

export interface Answer {
  status: number;
  ms: number;
  code?: string;
  retryAfter?: string | null;
}

/** Sends `requests` in turn at `ratePerSecond` for `seconds`; resolves with every answer once all are in. */
export async function openLoop(url: string, requests: BenchRequest[], ratePerSecond: number, seconds: number): Promise<Answer[]> {
  const answers: Promise<Answer>[] = [];
  const send = async (request: BenchRequest): Promise<Answer> => {
    const started = performance.now();
    try {
      const response = await fetch(`${url}${request.path}`, {
        method: request.method,
        headers: request.headers,
        ...(request.body === undefined ? {} : { body: request.body }),
        signal: AbortSignal.timeout(30_000),
      });
      const text = await response.text();
      const answer: Answer = { status: response.status, ms: performance.now() - started, retryAfter: response.headers.get('retry-after') };
      if (response.status !== 200) answer.code = String((JSON.parse(text) as { errors?: { extensions?: { code?: string } }[] }).errors?.[0]?.extensions?.code);
      return answer;
    } catch {
      return { status: 0, ms: performance.now() - started };
    }
  };
  const t0 = performance.now();
  let sent = 0;
  const total = Math.round(ratePerSecond * seconds);
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * ratePerSecond));
    for (; sent < due; sent += 1) answers.push(send(requests[sent % requests.length]!));
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return Promise.all(answers);
}

/** Closed loop: `connections` clients each sending the next request when the last is answered, for `seconds`. */
export async function closedLoop(url: string, requests: BenchRequest[], connections: number, seconds: number): Promise<Answer[]> {
  const answers: Answer[] = [];
  const until = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async (_, c) => {
      for (let i = c; performance.now() < until; i += 1) {
        const request = requests[i % requests.length]!;
        const started = performance.now();
        try {
          const response = await fetch(`${url}${request.path}`, { method: request.method, headers: request.headers, ...(request.body === undefined ? {} : { body: request.body }) });
          await response.arrayBuffer();
          answers.push({ status: response.status, ms: performance.now() - started });
        } catch {
          answers.push({ status: 0, ms: performance.now() - started });
        }
      }
    }),
  );
  return answers;
}
