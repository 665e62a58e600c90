import { performance } from 'node:perf_hooks';
import type { ApolloServerPlugin } from '@apollo/server';
import type { FormattedExecutionResult } from 'graphql';
import type { Logger } from 'pino';
import type { Context } from '../context.js';
import { isUnexpectedError } from '../errors.js';
import { appClientOf, type AppClient } from '../observability/app-client.js';
import { auditedFields, auditedWrites, auditOutcome } from '../observability/mutation-audit.js';
import { recordedOperationName } from '../observability/operation-label.js';
import { errorCodes, requestOutcome } from '../observability/request-outcome.js';
import { upstreamCallCounterOf } from '../observability/upstream-calls.js';

/**
 * Requests that entered Apollo's pipeline (and so get their line here and
 * their count from the metrics plugin), by their per-request clients: Apollo
 * may hand plugins a shallow copy of the context, which shares them. One
 * Apollo refuses after making the context but before the pipeline (a batch)
 * is not here: the GraphQL handler records that one itself.
 */
export const loggedRequests = new WeakSet<object>();

/** The app's headers of an Apollo request, for its `client` field. */
function clientOf(headers: { get(name: string): string | undefined } | undefined): AppClient | undefined {
  return appClientOf({ name: headers?.get('apollographql-client-name'), version: headers?.get('apollographql-client-version') });
}

/**
 * One JSON log line per GraphQL request (audience, operation, consumer id,
 * correlation id, HTTP status, duration, cost when the cost plugin priced it,
 * upstream requests made), and for every mutation an audit line (consumer,
 * operation, fields, idempotency keys, what became of each field's write).
 * Never a token or key: only the consumer's id (a user id, an API key's
 * consumer name, or `anon:<address>`).
 */
export function requestLogPlugin(logger: Logger): ApolloServerPlugin<Context> {
  return {
    async requestDidStart({ contextValue }) {
      loggedRequests.add(contextValue.clients);
      const started = performance.now();
      return {
        // Only requests with errors reach this hook. An error the contract has no code for is answered with a bare
        // INTERNAL_SERVER_ERROR: the stack is written here, under the request's correlation id, for the operator.
        async didEncounterErrors({ errors, contextValue, operationName }) {
          for (const error of errors) {
            if (!isUnexpectedError(error)) continue;
            (contextValue.logger ?? logger).error(
              { err: error.originalError ?? error, audience: contextValue.audience, operation: recordedOperationName(operationName), correlationId: contextValue.correlationId, path: error.path ?? null },
              'unexpected error: answered INTERNAL_SERVER_ERROR',
            );
          }
        },
        async willSendResponse({ contextValue, response, operation, operationName, document, request }) {
          // The request's own logger: it carries the trace ids when the request is traced.
          const log = contextValue.logger ?? logger;
          // Both lines are info: below that level (LOG_LEVEL=warn), nothing is built for them.
          if (!log.isLevelEnabled('info')) return;
          const status = response.http.status ?? 200;
          const result: FormattedExecutionResult | undefined = response.body.kind === 'single' ? response.body.singleResult : undefined;
          const codes = errorCodes(result);
          const outcome = requestOutcome(status, result);
          const cost = contextValue.cost;
          const upstream = upstreamCallCounterOf(contextValue);
          const client = clientOf(request.http?.headers);
          const base = {
            audience: contextValue.audience,
            operation: recordedOperationName(operationName),
            consumer: contextValue.consumer.id,
            correlationId: contextValue.correlationId,
          };
          log.info(
            {
              ...base,
              operationType: operation?.operation ?? null,
              status,
              outcome,
              durationMs: Math.round((performance.now() - started) * 10) / 10,
              upstreamRequests: upstream?.requests ?? 0,
              ...(upstream?.circuitRejections ? { circuitRejections: upstream.circuitRejections } : {}),
              // Why each failed call failed (ECONNREFUSED, a TLS certificate code, HTTP 503…): the client only gets the code.
              ...(upstream && upstream.failures.length > 0 ? { upstreamFailures: upstream.failures } : {}),
              ...(cost ? { cost: { requested: cost.requested, actual: cost.actual ?? null } } : {}),
              ...(codes.length > 0 ? { errorCodes: codes } : {}),
              ...(client ? { client } : {}),
            },
            'request',
          );
          if (operation?.operation !== 'mutation') return;
          const fields = auditedFields(document, operation, request.variables);
          const key = fields.find((f) => f.field === 'placeOrder')?.idempotencyKey;
          // Per field, from the answer: an order placed before a read after it failed (or before its client left) was
          // written, a dry run wrote nothing, and each of two aliased orders has its own key and fate.
          const writes = auditedWrites(fields, result);
          log.info(
            {
              audit: 'mutation',
              ...base,
              fields: fields.map((f) => f.field),
              ...(key === undefined ? {} : { idempotencyKey: key }),
              outcome: auditOutcome(writes, codes.length > 0 || status >= 400),
              writes,
              ...(codes.length > 0 ? { errorCodes: codes } : {}),
              ...(client ? { client } : {}),
            },
            'audit',
          );
        },
      };
    },
  };
}
