import { performance } from 'node:perf_hooks';
import type { ApolloServerPlugin } from '@apollo/server';
import type { Context } from '../context.js';
import type { Metrics } from '../observability/metrics.js';
import { requestOutcome } from '../observability/request-outcome.js';

/** Counts every GraphQL request by audience, operation and outcome, and times it (`bff_requests_total`, `bff_request_duration_seconds`). */
export function requestMetricsPlugin(metrics: Metrics): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      const started = performance.now();
      return {
        async willSendResponse({ contextValue, response, operationName }) {
          const result = response.body.kind === 'single' ? response.body.singleResult : undefined;
          metrics.observeRequest({
            audience: contextValue.audience,
            operation: operationName,
            outcome: requestOutcome(response.http.status ?? 200, result),
            durationMs: performance.now() - started,
          });
        },
      };
    },
  };
}
