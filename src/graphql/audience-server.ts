import { ApolloServer, type PersistedQueryOptions } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { Logger } from 'pino';
import type { Audience, Context } from '../context.js';
import { createFormatError } from '../errors.js';
import type { BudgetStore } from '../cost/budget-store.js';
import type { AudienceLimits } from '../cost/limits.js';
import { buildCostModel } from '../cost/model.js';
import { costPlugin, type CostObserver } from '../plugins/cost.js';
import { trustedDocumentsPlugin, type TrustedDocumentsPluginOptions } from '../plugins/persisted-documents.js';
import type { Metrics } from '../observability/metrics.js';
import { requestLogPlugin } from '../plugins/request-log.js';
import { requestMetricsPlugin } from '../plugins/request-metrics.js';
import type { TracingPlugins } from '../plugins/tracing.js';
import { shapeLimitRules, type ShapeLimits } from './shape-limits.js';
import { buildAudienceSchema } from '../schema.js';
import { planGateway } from '../plan/plan-gateway.js';
import { createPlanner, DEFAULT_MAX_PLANS, type Planner } from '../plan/planner.js';
import { createDocumentStore, type BoundedDocumentStore } from './document-store.js';

export interface AudienceServerOptions {
  production: boolean;
  maxTokens: number;
  logger: Logger;
  shapeLimits: ShapeLimits;
  rateLimits: AudienceLimits;
  budgets: BudgetStore;
  costObserver?: CostObserver;
  /** Request counts and durations go here; absent: not measured. */
  metrics?: Metrics;
  /** Automatic persisted queries (Apollo's protocol, registered in this cache), or false: a persistedQuery extension is refused. */
  persistedQueries?: PersistedQueryOptions | false;
  /** The app's manifest and mode; absent: no trusted documents (the public API). */
  trustedDocuments?: Pick<TrustedDocumentsPluginOptions, 'mode' | 'documents'>;
  /** The operation's spans when tracing is on (src/plugins/tracing.ts); absent: no tracing hook at all. */
  tracing?: TracingPlugins;
  /** `jit` (default): operations run as compiled plans; `graphql-js`: every document runs on graphql-js. */
  executor?: 'jit' | 'graphql-js';
  /** Bound on the audience's plan cache. */
  planCacheSize?: number;
}

export interface AudienceServer {
  server: ApolloServer<Context>;
  /** The audience's operation plans (compiled once per document). */
  planner: Planner;
  /** Apollo's parsed and validated documents: at most as many as the plan cache holds plans. */
  documents: BoundedDocumentStore;
}

/**
 * One Apollo Server per audience, hosted by our own edge (never the
 * standalone server, whose body limit and CORS are too open). Introspection:
 * always in development; in production only for the public catalog, whose
 * partners explore it in the playground. Batching is off, CSRF prevention on.
 */
export async function createAudienceServer(
  audience: Audience,
  options: AudienceServerOptions,
): Promise<AudienceServer> {
  const { production, maxTokens, logger } = options;
  const schema = buildAudienceSchema(audience);
  // Fails start-up on an unbounded list: its cost could not be estimated.
  const model = buildCostModel(schema);
  const validationRules = shapeLimitRules(options.shapeLimits);
  const planner = createPlanner({
    schema,
    model,
    ...(options.executor ? { engine: options.executor } : {}),
    ...(options.planCacheSize ? { maxPlans: options.planCacheSize } : {}),
    ...(options.metrics ? { onPlan: (executor, reason) => options.metrics!.observePlan(audience, executor, reason) } : {}),
  });
  const documentStore = createDocumentStore(options.planCacheSize ?? DEFAULT_MAX_PLANS);
  // The app's own operations are compiled before the first request asks for them.
  if (options.trustedDocuments) planner.warm([...options.trustedDocuments.documents.values()].map((d) => d.body), validationRules);
  const server = new ApolloServer<Context>({
    // Apollo parses, validates and hosts the schema; execution goes through the plans (src/plan).
    gateway: planGateway(schema, planner),
    documentStore,
    validationRules,
    plugins: [
      // First and last: the operation span covers every other plugin's work.
      ...(options.tracing ? [options.tracing.opening] : []),
      ApolloServerPluginLandingPageDisabled(),
      // No cache hints are used and the edge sends `Cache-Control: no-store` itself (src/http/graphql-handler.ts);
      // Apollo's default cache-control plugin would still hook every field resolution (15-20% of OrderHistory CPU).
      ApolloServerPluginCacheControlDisabled(),
      // Before the cost plugin: a refused document must never be priced or run.
      ...(options.trustedDocuments ? [trustedDocumentsPlugin({ audience, logger, ...options.trustedDocuments })] : []),
      costPlugin({
        audience,
        planner,
        limits: options.rateLimits,
        store: options.budgets,
        logger,
        ...(options.costObserver ? { observer: options.costObserver } : {}),
      }),
      // After the cost plugin: its willSendResponse fills `contextValue.cost.actual` that the log line reports.
      requestLogPlugin(logger),
      ...(options.metrics ? [requestMetricsPlugin(options.metrics)] : []),
      ...(options.tracing ? [options.tracing.closing] : []),
    ],
    formatError: createFormatError(!production),
    includeStacktraceInErrorResponses: !production,
    hideSchemaDetailsFromClientErrors: production,
    introspection: !production || audience === 'public',
    csrfPrevention: true,
    // Apollo's default is APQ on, in its own memory, on every audience; the gateway decides per audience (src/gateway.ts).
    persistedQueries: options.persistedQueries ?? false,
    // The gateway drains and stops on SIGTERM itself (src/main.ts). Apollo's own handler would stop the servers
    // under requests still in flight, and a second stop() during its stop never resolves (Apollo 5.5).
    stopOnTerminationSignals: false,
    allowBatchedHttpRequests: false,
    parseOptions: { maxTokens },
    nodeEnv: production ? 'production' : 'development',
    logger: logger.child({ audience }),
  });
  await server.start();
  return { server, planner, documents: documentStore };
}
