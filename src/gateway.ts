import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApolloServer } from '@apollo/server';
import { createClients } from '../clients/create-clients.js';
import type { Clients, ServiceName } from '../clients/index.js';
import { loadApiKeys } from './auth/api-keys.js';
import { createAuthenticator } from './auth/credentials.js';
import { createJwtVerifier } from './auth/jwt.js';
import type { Config } from './config.js';
import type { Audience, Context } from './context.js';
import { startDemoServices, type DemoServices } from './demo/index.js';
import { createAudienceServer } from './graphql/audience-server.js';
import { createGraphQLHandler } from './http/graphql-handler.js';
import { createEdgeServer } from './http/server.js';
import type { Logger } from './logger.js';

export interface Gateway {
  server: Server;
  /** `http://host:port` the gateway listens on. */
  url: string;
  /** The upstream base URLs in use. */
  upstreams: Record<ServiceName, string>;
  /** The embedded demo services, when no upstream URL was configured. */
  demo: DemoServices | null;
  /** Stops accepting, lets in-flight requests finish, then releases everything. */
  close(): Promise<void>;
}

/**
 * Starts the whole gateway from a validated Config: the embedded demo
 * services when no upstream is configured, one Apollo Server per audience,
 * the shared REST clients, and the edge server.
 */
export async function startGateway(config: Config, logger: Logger): Promise<Gateway> {
  let demo: DemoServices | null = null;
  let upstreams = config.upstreams;
  if (!upstreams) {
    demo = await startDemoServices();
    upstreams = demo.urls;
    logger.info({ upstreams }, 'no *_URL configured: started the embedded demo services');
  }
  if (config.jwt.kind === 'secret' && config.jwt.isDevSecret) {
    logger.warn('no JWT_SECRET or JWT_JWKS_URL: using the development secret (`npm run token` signs with it)');
  }
  if (!config.apiKeysFile && config.audiences.includes('public')) {
    logger.warn('no API_KEYS_FILE: the documented demo API keys are accepted');
  }

  const clients: Clients = createClients({ urls: upstreams, timeoutMs: config.upstreamTimeoutMs });
  const servers = new Map<Audience, ApolloServer<Context>>();
  for (const audience of config.audiences) {
    servers.set(
      audience,
      await createAudienceServer(audience, { production: config.production, maxTokens: config.maxTokens, logger }),
    );
  }
  const authenticator = createAuthenticator(createJwtVerifier(config.jwt), loadApiKeys(config.apiKeysFile));
  const server = createEdgeServer({
    audiences: config.audiences,
    trustedProxies: config.trustedProxies,
    corsOrigins: config.corsOrigins,
    clients,
    logger,
    graphql: createGraphQLHandler({ servers, authenticator, clients, logger, maxBodyBytes: config.maxBodyBytes }),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;

  return {
    server,
    url,
    upstreams,
    demo,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await closed;
      await Promise.all([...servers.values()].map((s) => s.stop()));
      clients.close();
      await demo?.close();
    },
  };
}
