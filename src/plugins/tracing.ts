import type { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import { SpanKind, SpanStatusCode, type Span } from '@opentelemetry/api';
import type { FormattedExecutionResult } from 'graphql';
import type { Context } from '../context.js';
import { recordedOperationName } from '../observability/operation-label.js';
import { errorCodes, requestOutcome } from '../observability/request-outcome.js';
import { requestTraceOfContext } from '../observability/tracing/request-trace.js';
import { contextWith, now, recordFailure, startSpan } from '../observability/tracing/spans.js';

export interface TracingPlugins {
  /** First in the plugin list: opens the operation span before any other plugin runs. */
  opening: ApolloServerPlugin<Context>;
  /** Last in the plugin list: closes it after every plugin has written its part (the cost plugin its actual cost). */
  closing: ApolloServerPlugin<Context>;
}

/** The operation span of each traced request, from the opening plugin to the closing one. */
const operations = new WeakMap<object, Span>();

/**
 * The GraphQL part of a request's trace (semantic conventions for GraphQL
 * server spans): one span per operation (`query ProductPage`) under the
 * edge's server span, with its type, name, the consumer's tier and kind (never
 * a token or user id), requested and actual cost and outcome; under it a
 * `cost admission` span (trusted documents, cost estimate and the budget
 * reservation, the Redis round trip included) and an `execution` span, the
 * parent of every upstream call's span. A request the edge did not trace
 * passes through untouched.
 *
 * The admission span runs from the first `didResolveOperation` (where the
 * cost plugin prices and reserves) to `responseForOperation` or the error
 * that refused the operation: Apollo runs those hooks in plugin order, so the
 * span covers the whole admission without the cost plugin knowing of it. A
 * request the sampler left out passes through untouched too.
 */
export function tracingPlugins(): TracingPlugins {
  const opening: ApolloServerPlugin<Context> = {
    async requestDidStart({ contextValue }): Promise<GraphQLRequestListener<Context> | void> {
      const trace = requestTraceOfContext(contextValue);
      if (!trace?.recording) return;
      const operation = startSpan(trace.tracing, 'GraphQL operation', trace.parent, SpanKind.INTERNAL, {
        'bff.consumer.tier': contextValue.consumer.tier,
        'bff.consumer.kind': contextValue.consumer.kind,
      });
      operations.set(trace, operation);
      const underOperation = contextWith(operation);
      trace.parent = underOperation;
      let admission: Span | undefined;
      const endAdmission = (error?: unknown) => {
        if (!admission) return;
        const requested = contextValue.cost?.requested;
        if (requested !== undefined) admission.setAttribute('bff.cost.requested', requested);
        if (contextValue.cost?.wouldThrottle) admission.setAttribute('bff.cost.would_throttle', true);
        if (error !== undefined) recordFailure(admission, error);
        admission.end(now());
        admission = undefined;
      };
      return {
        async didResolveOperation({ operation: definition, operationName }) {
          const type = definition?.operation;
          const name = recordedOperationName(operationName);
          if (type) {
            operation.updateName(name ? `${type} ${name}` : type);
            operation.setAttribute('graphql.operation.type', type);
          }
          if (name) operation.setAttribute('graphql.operation.name', name);
          admission = startSpan(trace.tracing, 'cost admission', underOperation);
        },
        async responseForOperation() {
          endAdmission();
          return null;
        },
        async didEncounterErrors({ errors }) {
          endAdmission(errors[0]);
        },
        async executionDidStart() {
          endAdmission();
          const execution = startSpan(trace.tracing, 'execution', underOperation);
          trace.parent = contextWith(execution);
          return {
            async executionDidEnd(error) {
              if (error) recordFailure(execution, error);
              execution.end(now());
              trace.parent = underOperation;
            },
          };
        },
      };
    },
  };

  const closing: ApolloServerPlugin<Context> = {
    async requestDidStart({ contextValue }): Promise<GraphQLRequestListener<Context> | void> {
      const trace = requestTraceOfContext(contextValue);
      const operation = trace?.recording ? operations.get(trace) : undefined;
      if (!trace || !operation) return;
      return {
        async willSendResponse({ response, contextValue: context }) {
          const status = response.http.status ?? 200;
          const result: FormattedExecutionResult | undefined = response.body.kind === 'single' ? response.body.singleResult : undefined;
          const codes = errorCodes(result);
          operation.setAttribute('bff.graphql.outcome', requestOutcome(status, result));
          if (context.cost) {
            operation.setAttribute('bff.cost.requested', context.cost.requested);
            if (context.cost.actual !== undefined) operation.setAttribute('bff.cost.actual', context.cost.actual);
          }
          if (codes.length > 0) {
            operation.setAttributes({ 'error.type': codes[0], 'bff.graphql.error_codes': codes });
            operation.setStatus({ code: SpanStatusCode.ERROR, message: codes[0] });
          }
          operation.end(now());
          operations.delete(trace);
          trace.parent = trace.serverContext;
        },
      };
    },
  };
  return { opening, closing };
}
