import { HeaderMap, type ApolloServerPlugin, type GraphQLRequestListener } from '@apollo/server';
import { getVariableValues, type GraphQLObjectType, type SelectionSetNode } from 'graphql';
import type { Logger } from 'pino';
import type { Audience, Context } from '../context.js';
import { actualCost } from '../cost/actual.js';
import { secondsUntilAvailable, type BucketPolicy, type BudgetState, type BudgetStore } from '../cost/budget-store.js';
import { bucketPolicy, type AudienceLimits } from '../cost/limits.js';
import type { CostModel } from '../cost/model.js';
import { estimateCost, type PriceScope } from '../cost/price.js';
import { rateLimitHeaders } from '../cost/rate-limit-headers.js';
import { ErrorCode, gatewayError } from '../errors.js';

/** Hooks for metrics; the plugin works without them. */
export interface CostObserver {
  observeCost?(audience: Audience, requested: number, actual: number): void;
  rateLimited?(audience: Audience, reason: 'budget' | 'quota' | 'too_expensive'): void;
}

export interface CostPluginOptions {
  audience: Audience;
  model: CostModel;
  limits: AudienceLimits;
  store: BudgetStore;
  logger: Logger;
  observer?: CostObserver;
}

/** Request header asking for the price of an operation without running it or spending budget. */
export const DRY_RUN_HEADER = 'x-cost-dry-run';

function headerMap(headers: Record<string, string>): HeaderMap {
  const map = new HeaderMap();
  for (const [k, v] of Object.entries(headers)) map.set(k, v);
  return map;
}

/**
 * Rate limiting by query cost, before anything reaches a service: after
 * validation the operation is priced with this request's variables (IBM cost
 * spec), checked against the per-operation maximum and the consumer's whole
 * bucket (QUERY_TOO_EXPENSIVE, never retryable), then reserved from the
 * consumer's bucket (429 RATE_LIMITED with Retry-After when it does not fit).
 * After execution the actual cost is measured from the data and the
 * difference refunded. Every response carries `extensions.cost` and the
 * RateLimit headers.
 */
export function costPlugin(options: CostPluginOptions): ApolloServerPlugin<Context> {
  const { audience, model, limits, store, logger, observer } = options;
  return {
    async requestDidStart({ contextValue, request }): Promise<GraphQLRequestListener<Context>> {
      const policy: BucketPolicy = bucketPolicy(limits, contextValue.consumer.tier);
      const key = `${audience}:${contextValue.consumer.id}`;
      const dryRun = request.http?.headers.get(DRY_RUN_HEADER) === 'true';
      let scope: PriceScope | undefined;
      let root: GraphQLObjectType | undefined;
      let selection: SelectionSetNode | undefined;
      let requested: number | undefined;
      let reserved = false;
      let state: BudgetState | undefined;

      return {
        async didResolveOperation({ schema, document, operation }) {
          if (!operation) return;
          const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], request.variables ?? {});
          if (coerced.errors) return; // execution answers 400 with the coercion errors
          const rootType =
            operation.operation === 'mutation' ? schema.getMutationType() : operation.operation === 'subscription' ? schema.getSubscriptionType() : schema.getQueryType();
          if (!rootType) return;
          root = rootType;
          selection = operation.selectionSet;
          const fragments = Object.fromEntries(
            document.definitions.flatMap((d) => (d.kind === 'FragmentDefinition' ? [[d.name.value, d]] : [])),
          );
          scope = { schema, fragments, variables: coerced.coerced, model };
          requested = estimateCost(scope, rootType, operation.selectionSet);
          contextValue.cost = { requested };

          const maximum = Math.min(limits.maxOperationCost, policy.capacity);
          if (requested > maximum) {
            observer?.rateLimited?.(audience, 'too_expensive');
            throw gatewayError(
              ErrorCode.QUERY_TOO_EXPENSIVE,
              `This operation costs ${requested} points; the most any one operation may cost here is ${maximum}. Ask for fewer items.`,
              { status: 400, extensions: { requestedQueryCost: requested, maximumCost: maximum } },
            );
          }
          if (dryRun) return;
          const decision = await store.take(key, requested, policy);
          state = decision;
          if (decision.allowed) {
            reserved = true;
            return;
          }
          observer?.rateLimited?.(audience, decision.reason ?? 'budget');
          if (limits.mode === 'measure') {
            contextValue.cost.wouldThrottle = true;
            (contextValue.logger ?? logger).warn({ audience, consumer: contextValue.consumer.id, requested, reason: decision.reason }, 'over budget (measure mode: not enforced)');
            return;
          }
          const retryAfter =
            decision.reason === 'quota'
              ? decision.quotaResetSeconds
              : secondsUntilAvailable(requested, decision.remaining, policy.restorePerSecond);
          throw gatewayError(
            ErrorCode.RATE_LIMITED,
            decision.reason === 'quota'
              ? `Daily request quota of ${policy.quota?.limit ?? 0} used up; retry after ${retryAfter} s.`
              : `Rate limited: this operation costs ${requested} points and ${decision.remaining} are available; retry after ${retryAfter} s.`,
            { extensions: { retryAfterSeconds: retryAfter, http: { status: 429, headers: headerMap({ 'retry-after': String(retryAfter) }) } } },
          );
        },

        async responseForOperation() {
          if (!dryRun || requested === undefined) return null;
          return { http: { status: 200, headers: new HeaderMap() }, body: { kind: 'single', singleResult: {} } };
        },

        async willSendResponse({ response }) {
          let actual = 0;
          if (reserved && scope && root && selection && requested !== undefined && response.body.kind === 'single') {
            // Never above the estimate: a refund is what was reserved and not used.
            actual = Math.min(requested, actualCost(scope, root, selection, response.body.singleResult.data));
            contextValue.cost = { ...contextValue.cost, requested, actual };
            observer?.observeCost?.(audience, requested, actual);
            state = actual < requested ? await store.refund(key, requested - actual, policy) : state;
          }
          state ??= await store.peek(key, policy);
          for (const [name, value] of Object.entries(rateLimitHeaders(policy, state))) response.http.headers.set(name, value);
          if (response.body.kind !== 'single') return;
          response.body.singleResult.extensions = {
            ...response.body.singleResult.extensions,
            cost: {
              requestedQueryCost: requested ?? 0,
              actualQueryCost: actual,
              ...(dryRun ? { dryRun: true } : {}),
              throttleStatus: {
                maximumAvailable: policy.capacity,
                currentlyAvailable: Math.max(0, state.remaining),
                restoreRate: policy.restorePerSecond,
              },
            },
          };
        },
      };
    },
  };
}
