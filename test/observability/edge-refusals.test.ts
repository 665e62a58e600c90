/**
 * Requests answered before their operation is read (a body that is not
 * JSON, a token that does not verify, a wrong method, a body over the limit,
 * Apollo's own CSRF and batch refusals)
 * had no "request" log line and no count in bff_requests_total: a client
 * sending broken JSON or a burst of bad tokens was invisible to operators.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/gateway.js';
import { startFixtureUpstream, type FixtureUpstream } from '../helpers/fixture-upstream.js';
import { captureLogs, EDGE_MODES, startTestGateway } from '../helpers/gateway.js';

type Line = Record<string, unknown>;

describe.each(EDGE_MODES)('Requests refused before their operation is read, served by $edge', ({ edgeThread }) => {
  let upstream: FixtureUpstream;
  let gateway: Gateway;
  const logs = captureLogs();
  beforeAll(async () => {
    upstream = await startFixtureUpstream();
    gateway = await startTestGateway({
      upstreams: upstream.urls,
      env: { LOG_LEVEL: 'info', MAX_BODY_BYTES: '1000', OVERLOAD_EDGE_THREAD: edgeThread },
      logDestination: logs.destination,
    });
  });
  afterAll(async () => {
    await gateway.close();
    await upstream.close();
  });

  const send = (correlationId: string, init: RequestInit & { headers?: Record<string, string> }) =>
    fetch(`${gateway.url}/web/graphql`, { ...init, headers: { 'x-correlation-id': correlationId, ...init.headers } });
  const requestLines = (correlationId: string): Line[] =>
    logs.lines.map((l) => JSON.parse(l) as Line).filter((l) => l['correlationId'] === correlationId && l['msg'] === 'request');
  const unreadCount = async (): Promise<number> => {
    const text = await (await fetch(`${gateway.url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith('bff_requests_total{') && l.includes('audience="web"') && l.includes('operation="__unread"') && l.includes('outcome="rejected"'));
    return line === undefined ? 0 : Number(line.split(' ').at(-1));
  };

  it('logs each with its status and code, and counts it as rejected under operation __unread', async () => {
    const json = { 'content-type': 'application/json' };
    const refusals: [string, RequestInit & { headers?: Record<string, string> }, number, string][] = [
      [`bad-json-${edgeThread}`, { method: 'POST', headers: json, body: '{bad' }, 400, 'BAD_REQUEST'],
      [`bad-token-${edgeThread}`, { method: 'POST', headers: { ...json, authorization: 'Bearer garbage' }, body: '{"query":"{ __typename }"}' }, 401, 'UNAUTHENTICATED'],
      [`put-${edgeThread}`, { method: 'PUT', headers: json, body: '{}' }, 405, 'BAD_REQUEST'],
      [`too-large-${edgeThread}`, { method: 'POST', headers: json, body: JSON.stringify({ query: `{ __typename } # ${'x'.repeat(2_000)}` }) }, 413, 'BAD_REQUEST'],
      // Refused by Apollo itself before it reads the operation: CSRF prevention, and a batch.
      [`csrf-${edgeThread}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"query":"{ __typename }"}' }, 400, 'BAD_REQUEST'],
      [`batch-${edgeThread}`, { method: 'POST', headers: json, body: '[{"query":"{ __typename }"}]' }, 400, 'BAD_REQUEST'],
    ];
    const before = await unreadCount();
    for (const [id, init, status] of refusals) {
      const response = await send(id, init);
      expect(response.status, id).toBe(status);
      // Never for a cache to keep (a 405 would be, by default).
      expect(response.headers.get('cache-control'), id).toBe('no-store');
    }
    for (const [id, , status, code] of refusals) {
      await expect.poll(() => requestLines(id).length, { message: id }).toBe(1);
      expect(requestLines(id)[0], id).toMatchObject({ audience: 'web', operation: null, status, outcome: 'rejected', errorCodes: [code], upstreamRequests: 0 });
    }
    expect(await unreadCount()).toBe(before + refusals.length);
    // A request Apollo read is counted under its operation, not __unread.
    await send(`ok-${edgeThread}`, { method: 'POST', headers: json, body: '{"query":"query Ping { __typename }"}' });
    expect(await unreadCount()).toBe(before + refusals.length);
  });

  it("names the app that sent it, as a request Apollo read does (the worker's own refusals included)", async () => {
    const app = { 'content-type': 'application/json', 'apollographql-client-name': 'shop-ios', 'apollographql-client-version': '5.2.1 (1234)' };
    const refusals: [string, RequestInit & { headers?: Record<string, string> }][] = [
      // An expired token from one release is what its team needs to find.
      [`app-token-${edgeThread}`, { method: 'POST', headers: { ...app, authorization: 'Bearer garbage' }, body: '{"query":"{ __typename }"}' }],
      // With the edge thread, answered by its worker.
      [`app-large-${edgeThread}`, { method: 'POST', headers: app, body: JSON.stringify({ query: `{ __typename } # ${'x'.repeat(2_000)}` }) }],
      [`app-gzip-${edgeThread}`, { method: 'POST', headers: { ...app, 'content-encoding': 'gzip' }, body: '{}' }],
    ];
    for (const [id, init] of refusals) await send(id, init);
    for (const [id] of refusals) {
      await expect.poll(() => requestLines(id).length, { message: id }).toBe(1);
      expect(requestLines(id)[0]!['client'], id).toEqual({ name: 'shop-ios', version: '5.2.1 (1234)' });
    }
    // Not in the shape of a name: not logged.
    await send(`app-odd-${edgeThread}`, { method: 'PUT', headers: { 'apollographql-client-name': 'x'.repeat(65) } });
    await expect.poll(() => requestLines(`app-odd-${edgeThread}`).length).toBe(1);
    expect(requestLines(`app-odd-${edgeThread}`)[0]).not.toHaveProperty('client');
  });
});
