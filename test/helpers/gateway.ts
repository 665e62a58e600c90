import { SignJWT } from 'jose';
import type { ServiceName } from '../../clients/index.js';
import { loadConfig, URL_VARIABLES } from '../../src/config.js';
import type { Audience } from '../../src/context.js';
import { startGateway, type Gateway } from '../../src/gateway.js';
import { createLogger } from '../../src/logger.js';

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256!!';

export interface TestGatewayOptions {
  /** Upstream base URLs; omitted: the gateway starts the embedded demo services. */
  upstreams?: Record<ServiceName, string>;
  env?: Record<string, string>;
  /** Where the gateway's pino lines go (see `captureLogs`); set `LOG_LEVEL` in `env` to see them. */
  logDestination?: { write(line: string): void };
}

/** A log destination that keeps every line the gateway writes, for assertions on what is (not) logged. */
export function captureLogs(): { lines: string[]; destination: { write(line: string): void } } {
  const lines: string[] = [];
  return { lines, destination: { write: (line) => void lines.push(line) } };
}

/** Starts a gateway on a free loopback port with a test JWT secret and silent logs (unless told otherwise). */
export async function startTestGateway(options: TestGatewayOptions = {}): Promise<Gateway> {
  const urlEnv = options.upstreams
    ? Object.fromEntries(Object.entries(options.upstreams).map(([s, url]) => [URL_VARIABLES[s as ServiceName], url]))
    : {};
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    JWT_SECRET: TEST_JWT_SECRET,
    LOG_LEVEL: 'silent',
    // A test process shares a loaded machine with others: event-loop delay there says nothing about the gateway.
    // The overload tests set it themselves.
    OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0', OVERLOAD_TARGET_EVENT_LOOP_DELAY_MS: '0',
    // In process, the gateway's main thread is the test runner's: with the edge thread on, its priority is left alone
    // (a spawned gateway's is checked in test/http/edge-thread-priority.test.ts).
    OVERLOAD_MAIN_THREAD_NICE: '0',
    ...urlEnv,
    ...options.env,
  });
  return startGateway(config, createLogger(config.logLevel, options.logDestination));
}

/** A signed test token for `sub`. */
export async function tokenFor(
  sub: string,
  claims: { tier?: string; scope?: string; expiresIn?: string } = {},
  secret = TEST_JWT_SECRET,
): Promise<string> {
  const { expiresIn = '1h', ...rest } = claims;
  return new SignJWT(rest)
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(secret));
}

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: {
    data?: T | null;
    errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
    extensions?: Record<string, unknown>;
  };
}

/** POSTs an operation to an audience's endpoint. */
export async function gql<T = Record<string, unknown>>(
  gateway: Pick<Gateway, 'url'>,
  audience: Audience,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<T>> {
  const response = await fetch(`${gateway.url}/${audience}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as GraphQLResponse<T>['body'] };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Each edge the gateway can serve from: the main thread's own `node:http` server, or the edge thread (`OVERLOAD_EDGE_THREAD=on`). */
export const EDGE_MODES = [
  { edge: 'node:http on the main thread', edgeThread: 'off' },
  { edge: 'the edge thread (OVERLOAD_EDGE_THREAD=on)', edgeThread: 'on' },
] as const;
