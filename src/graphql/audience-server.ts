import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { Logger } from 'pino';
import type { Audience, Context } from '../context.js';
import { createFormatError } from '../errors.js';
import { pageSizePlugin } from '../plugins/page-size.js';
import { buildAudienceSchema } from '../schema.js';

export interface AudienceServerOptions {
  production: boolean;
  maxTokens: number;
  logger: Logger;
}

/**
 * One Apollo Server per audience, hosted by our own edge (never the
 * standalone server, whose body limit and CORS are too open). Introspection:
 * always in development; in production only for the public catalog, whose
 * partners explore it in the playground. Batching is off, CSRF prevention on.
 */
export async function createAudienceServer(
  audience: Audience,
  { production, maxTokens, logger }: AudienceServerOptions,
): Promise<ApolloServer<Context>> {
  const server = new ApolloServer<Context>({
    schema: buildAudienceSchema(audience),
    plugins: [ApolloServerPluginLandingPageDisabled(), pageSizePlugin()],
    formatError: createFormatError(!production),
    includeStacktraceInErrorResponses: !production,
    hideSchemaDetailsFromClientErrors: production,
    introspection: !production || audience === 'public',
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    parseOptions: { maxTokens },
    nodeEnv: production ? 'production' : 'development',
    logger: logger.child({ audience }),
  });
  await server.start();
  return server;
}
