import { HeaderMap, type ApolloServerPlugin, type GraphQLRequestListener } from '@apollo/server';
import type { Logger } from 'pino';
import type { Tier } from '../../clients/index.js';
import type { Audience, Context } from '../context.js';
import { secondsUntilAvailable, type BucketPolicy, type BudgetDecision, type BudgetState, type BudgetStore } from '../cost/budget-store.js';
import { bucketPolicy, type AudienceLimits } from '../cost/limits.js';
import { setRateLimitHeaders } from '../cost/rate-limit-headers.js';
import { ErrorCode, gatewayError } from '../errors.js';
import type { RateLimitReason } from '../observability/metrics.js';
import type { Planner } from '../plan/planner.js';
import { planRequest, type PlannedRequest } from '../plan/request-plan.js';

/** Hooks for metrics; the plugin works without them. */
export interface CostObserver {
  observeCost?(audience: Audience, requested: number, actual: number): void;
  rateLimited?(audience: Audience, reason: RateLimitReason): void;
}

export interface CostPluginOptions {
  audience: Audience;
  /** The audience's operation plans: the estimate and the actual-cost pass come from the request's plan. */
  planner: Planner;
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
  const { audience, planner, limits, store, logger, observer } = options;
  // One policy object per tier, for the plugin's life: the rate-limit headers' fixed parts are worked out once per policy.
  const policies = new Map<Tier, BucketPolicy>();
  const policyFor = (tier: Tier): BucketPolicy => {
    let policy = policies.get(tier);
    if (!policy) policies.set(tier, (policy = bucketPolicy(limits, tier)));
    return policy;
  };
  return {
    async requestDidStart({ contextValue, request }): Promise<GraphQLRequestListener<Context>> {
      const { consumer } = contextValue;
      const policy = policyFor(consumer.tier);
      // `anon:<address>` is also a valid token `sub`: an anonymous visitor's bucket takes `#` after the audience,
      // which no user's or API key's (`<audience>:<id>`) can, so neither spends the other's points.
      const key = consumer.kind === 'anonymous' ? `${audience}#${consumer.id}` : `${audience}:${consumer.id}`;
      const dryRun = request.http?.headers.get(DRY_RUN_HEADER) === 'true';
      let planned: PlannedRequest | null = null;
      let requested: number | undefined;
      /** The decision that reserved the estimate, when one did: the refund goes back to where it was taken. */
      let reservation: BudgetDecision | undefined;
      let state: BudgetState | undefined;

      return {
        async didResolveOperation({ document, operation, queryHash, operationName }) {
          if (!operation) return;
          // Priced from the plan with this request's variables; coercion errors are answered 400 by execution.
          planned = planRequest(planner, contextValue, { document, queryHash, operationName, variables: request.variables });
          if (!planned || planned.errors) return;
          requested = planned.plan.estimate(planned.variables);
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
            reservation = decision;
            return;
          }
          observer?.rateLimited?.(audience, decision.reason ?? 'budget');
          if (limits.mode === 'measure') {
            contextValue.cost.wouldThrottle = true;
            (contextValue.logger ?? logger).warn({ audience, consumer: contextValue.consumer.id, requested, reason: decision.reason }, 'over budget (measure mode: not enforced)');
            return;
          }
          // A spent quota is waited out, and then the operation must also fit the bucket: the later of the two, so
          // that a request sent when Retry-After says is admitted (it said the quota's reset only, however empty the bucket).
          const untilFits = secondsUntilAvailable(requested, decision.remaining, policy.restorePerSecond);
          const retryAfter = decision.reason === 'quota' ? Math.max(decision.quotaResetSeconds, untilFits) : untilFits;
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
          if (reservation && planned?.variables && requested !== undefined && response.body.kind === 'single') {
            // Never above the estimate: a refund is what was reserved and not used.
            actual = Math.min(requested, planned.plan.actual(planned.variables, response.body.singleResult.data));
            contextValue.cost = { ...contextValue.cost, requested, actual };
            observer?.observeCost?.(audience, requested, actual);
            state = actual < requested ? await store.refund(key, requested - actual, policy, reservation) : state;
          }
          state ??= await store.peek(key, policy);
          setRateLimitHeaders(response.http.headers, policy, state);
          if (response.body.kind !== 'single') return;
          const { singleResult } = response.body;
          singleResult.extensions = {
            ...singleResult.extensions,
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
