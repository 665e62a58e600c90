import type { Audience } from '../context.js';
import type { ErrorCode } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from './metrics.js';
import { appClientOf, type SentApp } from './app-client.js';
import { requestOutcome } from './request-outcome.js';

/**
 * A GraphQL request the edge answered itself, before Apollo read its
 * operation: a body that is not JSON, credentials that do not verify (401),
 * a method other than GET or POST (405), a body over the limit (413), a
 * compressed body (415), a browser visit where there is no playground, a
 * token that cannot be checked while the identity provider is out of reach
 * (503). (Overload refusals have their
 * own metric and throttled line: `bff_shed_total`.)
 */
export interface EdgeRefusal {
  audience: Audience;
  correlationId: string;
  status: number;
  /** The answer's `extensions.code`. */
  code: ErrorCode;
  /** `performance.now()` when the request arrived. */
  startedAt: number;
  /** The app's name and version headers, as sent: the line's `client`, as a request Apollo read has it. */
  app?: SentApp;
}

/**
 * Gives each refusal what a request that reached Apollo gets: its `request`
 * log line (operation null, `outcome` "rejected", or "error" for a 503, its error code) and its
 * count in `bff_requests_total` (operation `__unread`), so a client sending
 * broken JSON or a burst of bad tokens shows in the log and on the dashboard.
 */
export function createRefusalRecorder(logger: Logger, metrics: Metrics | undefined): (refusal: EdgeRefusal) => void {
  return ({ audience, correlationId, status, code, startedAt, app }) => {
    const durationMs = Math.round((performance.now() - startedAt) * 10) / 10;
    // A 503 (the identity provider out of reach) is the gateway's failure, not the client's: `error`.
    const outcome = requestOutcome(status, undefined);
    metrics?.observeRequest({ audience, operation: null, outcome, durationMs, unread: true });
    // Info, as the request log's own line: below that level (LOG_LEVEL=warn), nothing is built for it.
    if (!logger.isLevelEnabled('info')) return;
    const client = app && appClientOf(app);
    logger.info(
      { audience, operation: null, operationType: null, consumer: null, correlationId, status, outcome, durationMs, upstreamRequests: 0, errorCodes: [code], ...(client ? { client } : {}) },
      'request',
    );
  };
}
