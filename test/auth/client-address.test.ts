import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/gateway.js';
import { anonymousConsumer } from '../../src/auth/consumer.js';
import { clientAddress, trustedProxies } from '../../src/http/client-address.js';
import { startFixtureUpstream, type FixtureUpstream } from '../helpers/fixture-upstream.js';
import { captureLogs, gql, startTestGateway } from '../helpers/gateway.js';
import { tempFile } from '../helpers/temp-file.js';

/** A request as the edge sees it: a socket whose peer is `peer`, and the given X-Forwarded-For. */
function request(peer: string | undefined, forwardedFor?: string | string[]): IncomingMessage {
  const socket = new Socket();
  Object.defineProperty(socket, 'remoteAddress', { value: peer });
  const req = new IncomingMessage(socket);
  if (forwardedFor !== undefined) req.headers['x-forwarded-for'] = forwardedFor;
  return req;
}

const proxies = new Set(['10.0.0.1', '10.0.0.2']);

describe('Client address (unit, fake sockets)', () => {
  it('uses the socket peer and ignores X-Forwarded-For from an untrusted peer', () => {
    expect(clientAddress(request('198.51.100.4', '203.0.113.7'), proxies)).toBe('198.51.100.4');
    expect(clientAddress(request('198.51.100.4', '203.0.113.7'), new Set())).toBe('198.51.100.4');
  });

  it('believes a trusted proxy: the right-most hop that is not itself a trusted proxy', () => {
    expect(clientAddress(request('10.0.0.1', '203.0.113.7'), proxies)).toBe('203.0.113.7');
    expect(clientAddress(request('10.0.0.1', '203.0.113.7, 10.0.0.2'), proxies)).toBe('203.0.113.7');
  });

  it('ignores hops a client prepended to spoof its address through a trusted proxy', () => {
    expect(clientAddress(request('10.0.0.1', '1.2.3.4, 203.0.113.7'), proxies)).toBe('203.0.113.7');
    expect(clientAddress(request('10.0.0.1', ['1.2.3.4', '203.0.113.7']), proxies)).toBe('203.0.113.7');
  });

  it('falls back to the peer when a trusted proxy sends no usable header', () => {
    expect(clientAddress(request('10.0.0.1'), proxies)).toBe('10.0.0.1');
    expect(clientAddress(request('10.0.0.1', ' , '), proxies)).toBe('10.0.0.1');
    expect(clientAddress(request('10.0.0.1', '10.0.0.2'), proxies)).toBe('10.0.0.1');
  });

  it('treats an IPv4-mapped IPv6 peer as its IPv4 address', () => {
    expect(clientAddress(request('::ffff:10.0.0.1', '203.0.113.7'), proxies)).toBe('203.0.113.7');
    expect(clientAddress(request('::ffff:198.51.100.4'), proxies)).toBe('198.51.100.4');
  });

  // Behind an ingress the proxies are a range: TRUSTED_PROXIES=10.0.0.0/8 matched nothing, so every
  // anonymous client was keyed by the ingress's address and shared its one rate-limit bucket.
  it('believes proxies in a CIDR range, IPv4 and IPv6, as well as single addresses', () => {
    const ranges = trustedProxies(['10.0.0.0/8', 'fd00::/8', '192.0.2.1']);
    expect(clientAddress(request('10.9.9.9', '203.0.113.7, 10.1.1.1'), ranges)).toBe('203.0.113.7');
    expect(clientAddress(request('::ffff:10.9.9.9', '203.0.113.7'), ranges)).toBe('203.0.113.7');
    expect(clientAddress(request('fd12::1', '2001:db8::7'), ranges)).toBe('2001:db8::7');
    expect(clientAddress(request('192.0.2.1', '203.0.113.7'), ranges)).toBe('203.0.113.7');
    expect(clientAddress(request('11.0.0.1', '203.0.113.7'), ranges)).toBe('11.0.0.1');
    expect(clientAddress(request('192.0.2.2', '203.0.113.7'), ranges)).toBe('192.0.2.2');
    // Addresses, not spellings: an upper-case IPv6 entry, and an IPv4 entry seen as its IPv4-mapped form.
    const spelled = trustedProxies(['FD00::1', '192.0.2.1']);
    expect(clientAddress(request('fd00::1', '203.0.113.7'), spelled)).toBe('203.0.113.7');
    expect(clientAddress(request('192.0.2.1', '203.0.113.7, ::ffff:192.0.2.1'), spelled)).toBe('203.0.113.7');
    // A hop that is not an address is never a trusted proxy.
    expect(clientAddress(request('10.0.0.1', 'garbage, 10.0.0.2'), ranges)).toBe('garbage');
  });

  // One IPv6 client usually holds a whole /64: keyed by its full address, it could mint a bucket per request.
  it('keys an anonymous IPv6 caller by its /64, and an IPv4 one by its address', () => {
    const ids = ['2001:db8:1:2:aaaa::1', '2001:0db8:0001:0002::ffff', '2001:db8:1:2:ffff:ffff:ffff:ffff'].map((a) => anonymousConsumer(a).id);
    expect(new Set(ids)).toEqual(new Set(['anon:2001:db8:1:2::/64']));
    expect(anonymousConsumer('2001:db8:1:3::1').id).toBe('anon:2001:db8:1:3::/64');
    expect(anonymousConsumer('a::c:d:e:f:1.2.3.4').id).toBe('anon:a:0:c:d::/64');
    expect(anonymousConsumer('203.0.113.7').id).toBe('anon:203.0.113.7');
    expect(anonymousConsumer('unknown').id).toBe('anon:unknown');
  });

  // Azure Application Gateway and IIS's ARR write the client's port too, and a server-side renderer copying their
  // header on passes it along: kept whole, each of a client's connections was an address with a budget of its own.
  it('reads a hop written with a port as its address, IPv6 in brackets too, so a new connection is not a new client', () => {
    expect(clientAddress(request('10.0.0.1', '203.0.113.7:51234'), proxies)).toBe('203.0.113.7');
    expect(clientAddress(request('10.0.0.1', '203.0.113.7:51234, 10.0.0.2:443'), proxies)).toBe('203.0.113.7');
    expect(clientAddress(request('10.0.0.1', '[2001:db8:1:2::7]:443'), proxies)).toBe('2001:db8:1:2::7');
    expect(clientAddress(request('10.0.0.1', '[2001:db8:1:2::7]'), proxies)).toBe('2001:db8:1:2::7');
    expect(clientAddress(request('10.0.0.1', '[::ffff:203.0.113.7]:8080'), proxies)).toBe('203.0.113.7');
    expect(anonymousConsumer(clientAddress(request('10.0.0.1', '[2001:db8:1:2::7]:443'), proxies)).id).toBe('anon:2001:db8:1:2::/64');
    // Not an address and a port: kept as written, as any other entry that is no address.
    expect(clientAddress(request('10.0.0.1', 'client.example:80'), proxies)).toBe('client.example:80');
    expect(clientAddress(request('10.0.0.1', '203.0.113.7:http'), proxies)).toBe('203.0.113.7:http');
    expect(clientAddress(request('10.0.0.1', '[2001:db8::7'), proxies)).toBe('[2001:db8::7');
  });

  it('names an unknown peer rather than failing', () => {
    expect(clientAddress(request(undefined, '203.0.113.7'), proxies)).toBe('unknown');
  });
});

describe('Client address at the gateway (seen as the anonymous consumer in the request log)', () => {
  let upstream: FixtureUpstream;
  beforeAll(async () => {
    upstream = await startFixtureUpstream();
  });
  afterAll(() => upstream.close());

  async function anonymousConsumerSeenBy(env: Record<string, string>): Promise<string[]> {
    const logs = captureLogs();
    const gateway: Gateway = await startTestGateway({ upstreams: upstream.urls, env: { LOG_LEVEL: 'info', ...env }, logDestination: logs.destination });
    try {
      await gql(gateway, 'web', '{ product(id: "fx-p1") { id } }', {}, { 'x-forwarded-for': '203.0.113.7' });
    } finally {
      await gateway.close();
    }
    return logs.lines.flatMap((line) => {
      const consumer = (JSON.parse(line) as { consumer?: unknown }).consumer;
      return typeof consumer === 'string' ? [consumer] : [];
    });
  }

  it('ignores a spoofed X-Forwarded-For when TRUSTED_PROXIES is unset', async () => {
    expect(await anonymousConsumerSeenBy({})).toEqual(['anon:127.0.0.1']);
  });

  it('uses X-Forwarded-For when the peer is a configured trusted proxy', async () => {
    expect(await anonymousConsumerSeenBy({ TRUSTED_PROXIES: '127.0.0.1' })).toEqual(['anon:203.0.113.7']);
  });

  /**
   * Six anonymous requests of cost 1 against a web budget of 3, each claiming another address:
   * how many are admitted before the first 429.
   */
  async function admittedWithSpoofedAddresses(env: Record<string, string>): Promise<number[]> {
    const limits = tempFile('limits.json', { web: { tiers: { free: { capacity: 3, restorePerSecond: 0.001 } } } });
    const gateway: Gateway = await startTestGateway({ upstreams: upstream.urls, env: { RATE_LIMITS_FILE: limits, ...env } });
    try {
      const statuses: number[] = [];
      for (let i = 1; i <= 6; i += 1) {
        statuses.push((await gql(gateway, 'web', '{ product(id: "fx-p1") { id } }', {}, { 'x-forwarded-for': `203.0.113.${i}` })).status);
      }
      return statuses;
    } finally {
      await gateway.close();
    }
  }

  /**
   * Six anonymous page renders of cost 1 against a web budget of 3, sent by a server-side renderer (the test, on
   * loopback) for one visitor that reached it over six connections: what the renderer forwards is its proxy's
   * `X-Forwarded-For`, which names the visitor's address with each connection's port.
   */
  it('keys the visitors of a trusted server-side renderer by their address, not by the port of each connection', async () => {
    const limits = tempFile('limits.json', { web: { tiers: { free: { capacity: 3, restorePerSecond: 0.001 } } } });
    const gateway: Gateway = await startTestGateway({ upstreams: upstream.urls, env: { RATE_LIMITS_FILE: limits, TRUSTED_PROXIES: '127.0.0.1' } });
    try {
      const statuses: number[] = [];
      for (let port = 50_001; port <= 50_006; port += 1) {
        statuses.push((await gql(gateway, 'web', '{ product(id: "fx-p1") { id } }', {}, { 'x-forwarded-for': `203.0.113.7:${port}` })).status);
      }
      expect(statuses).toEqual([200, 200, 200, 429, 429, 429]);
      // Another visitor has a budget of its own.
      expect((await gql(gateway, 'web', '{ product(id: "fx-p1") { id } }', {}, { 'x-forwarded-for': '203.0.113.8:50001' })).status).toBe(200);
    } finally {
      await gateway.close();
    }
  });

  it('keys the anonymous budget by the socket address: a new spoofed X-Forwarded-For each time buys no budget', async () => {
    expect(await admittedWithSpoofedAddresses({})).toEqual([200, 200, 200, 429, 429, 429]);
    // Behind a trusted proxy the same requests are six clients, each with its own budget: the count above could differ.
    expect(await admittedWithSpoofedAddresses({ TRUSTED_PROXIES: '127.0.0.1' })).toEqual([200, 200, 200, 200, 200, 200]);
  });
});
