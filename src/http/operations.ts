import { createServer, type IncomingMessage, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import type { Clients } from '../../clients/index.js';
import { ErrorCode } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../observability/metrics.js';
import { correlationIdFrom } from './correlation.js';
import { urlAsSent } from './endpoints.js';
import { serveMetrics } from './metrics-route.js';
import type { OverloadGuard } from './overload.js';
import type { Readiness } from './readiness.js';
import { answerClientErrors, sendGraphQLError, sendJson } from './respond.js';
import { checkUpstreams } from './upstream-status.js';

/** What `/healthz`, `/readyz` and `/metrics` answer from, on the public port or on the operations port. */
export interface OperationsEndpoints {
  /** What `/readyz` answers: started, not draining, not shedding. */
  readiness: Readiness;
  overload: Pick<OverloadGuard, 'stats'>;
  clients: Clients;
  /** True when `REDIS_URL` is set: `/readyz?verbose` then also shows Redis. */
  redisConfigured: boolean;
  /** Where rate-limit budgets are decided now, for `/readyz?verbose` (absent: always in process memory). */
  budgetSharing?: () => 'shared' | 'local';
  /** Served at `/metrics`; null: no metrics route here. */
  metrics: Metrics | null;
  /** False: `/readyz?verbose` answers the status alone (its details are on the operations port). */
  details: boolean;
}

/** `/readyz`: the gateway's own state sets the status; `?verbose` adds the dependencies' state, for people and dashboards. */
async function serveReadiness(res: ServerResponse, url: URL, endpoints: OperationsEndpoints): Promise<void> {
  const state = endpoints.readiness.state();
  const details =
    endpoints.details && url.searchParams.has('verbose')
      ? {
          ...endpoints.overload.stats(),
          ...(await checkUpstreams(endpoints.clients, { redisConfigured: endpoints.redisConfigured })),
          ...(endpoints.budgetSharing ? { budgets: endpoints.budgetSharing() } : {}),
        }
      : {};
  sendJson(res, state === 'ready' ? 200 : 503, { status: state, ...details }, { 'cache-control': 'no-store' });
}

/**
 * The answer to `/healthz`, `/readyz` or `/metrics`, or null for any other
 * path (so a GraphQL request pays no promise for the check).
 */
export function serveOperations(req: IncomingMessage, res: ServerResponse, url: URL, endpoints: OperationsEndpoints): Promise<void> | void | null {
  if (url.pathname === '/healthz') return sendJson(res, 200, { status: 'ok' });
  if (url.pathname === '/readyz') return serveReadiness(res, url, endpoints);
  if (url.pathname === '/metrics' && endpoints.metrics) return serveMetrics(req, res, endpoints.metrics);
  return null;
}

/**
 * The operations port (`OPERATIONS_PORT`): `/healthz`, `/readyz` (with
 * `?verbose`) and `/metrics` on a listener of their own, for probes and
 * scrapers on the internal network, and nothing else (404). Its requests
 * never count against the overload limits; it answers while the public port
 * drains, so probes see the 503 of a shutdown until the end.
 */
export function createOperationsServer(endpoints: OperationsEndpoints, options: { limits: ServerOptions; logger: Logger }): Server {
  // Async, as the public edge's route: whatever throws, at once or later, is a 500 here, never an exception out of
  // the request listener (which would end the process).
  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = urlAsSent(req.url ?? '/');
    const answer = url === null ? null : serveOperations(req, res, url, endpoints);
    if (answer === null) return sendGraphQLError(res, 404, ErrorCode.BAD_REQUEST, 'Not found: this port serves /healthz, /readyz and /metrics.');
    return answer;
  };
  const server = createServer(options.limits, (req, res) => {
    const correlationId = correlationIdFrom(req.headers);
    res.setHeader('x-correlation-id', correlationId);
    res.setHeader('x-content-type-options', 'nosniff');
    void route(req, res).catch((error: unknown) => {
      options.logger.error({ err: error, correlationId }, 'request failed');
      if (!res.headersSent) sendGraphQLError(res, 500, ErrorCode.INTERNAL_SERVER_ERROR, 'Internal server error.');
      else res.destroy();
    });
  });
  server.on('clientError', answerClientErrors());
  return server;
}
