import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nativeOpenLoop } from '../../bench/overload/native.js';

/**
 * `npm run bench:overload -- --generator native`: the C generator against a
 * server that answers every other request 503 OVERLOADED, some of them with
 * a chunked body, so what it reports is checked against what was sent.
 */
describe('The native open-loop generator (bench/overload/loadgen.c)', () => {
  let server: Server;
  let url: string;
  const seen: { path: string; body: string }[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        // The warm-up sent once on each connection before the clock starts.
        if (req.url === '/healthz') {
          res.writeHead(200, { 'content-length': 2 });
          res.end('ok');
          return;
        }
        seen.push({ path: req.url ?? '', body });
        const n = seen.length;
        if (req.url === '/refuse') {
          res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
          // Chunked (no length) for some, as a streaming answer would be.
          if (n % 4 === 0) res.write('{"errors":[{"message":"busy",');
          res.end('"extensions":{"code":"OVERLOADED"}}]}');
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': 2 });
        res.end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('sends the requests in turn on schedule and reports each answer: status, OVERLOADED, Retry-After', async () => {
    const requests = [
      { method: 'POST' as const, path: '/serve', headers: { 'content-type': 'application/json' }, body: '{"query":"{ a }"}' },
      { method: 'POST' as const, path: '/refuse', headers: { 'content-type': 'application/json' }, body: '{"query":"{ b }"}' },
    ];
    const run = await nativeOpenLoop(url, requests, 200, 1);
    expect(run.answers).toHaveLength(200);
    expect(seen).toHaveLength(200);
    expect(seen.filter((s) => s.path === '/serve').every((s) => s.body === '{"query":"{ a }"}')).toBe(true);
    run.answers.forEach((answer, i) => {
      expect(answer.op).toBe(i % 2);
      // Due every 5 ms from the start (the schedule's own times, not when the server saw them).
      expect(answer.at).toBeCloseTo(i * 5, 0);
      if (i % 2 === 0) expect(answer).toMatchObject({ status: 200, retryAfter: null });
      else expect(answer).toMatchObject({ status: 503, code: 'OVERLOADED', retryAfter: '1' });
      expect(answer.ms).toBeGreaterThan(0);
    });
    expect(run.connections.opened).toBeGreaterThanOrEqual(512);
  });
});
