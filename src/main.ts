import { ConfigError, loadConfig } from './config.js';
import { startGateway } from './gateway.js';
import { createLogger } from './logger.js';

/**
 * `npm start`: read the configuration, start the gateway, and on SIGTERM or
 * SIGINT fail readiness at once, keep serving for `SHUTDOWN_DELAY_MS`, stop
 * accepting, finish in-flight requests, then exit 0.
 */
async function main(): Promise<void> {
  let config;
  let gateway;
  let logger;
  try {
    config = loadConfig();
    logger = createLogger(config.logLevel);
    gateway = await startGateway(config, logger);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  logger.info(
    {
      url: gateway.url,
      audiences: config.audiences.map((a) => `${gateway.url}/${a}/graphql`),
      ...(gateway.operationsUrl ? { operations: gateway.operationsUrl } : {}),
    },
    'gateway listening',
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    // Started before the line is logged: once a client can read it, readiness answers 503 and (with no delay) the
    // listener is closing. The edge thread's worker accepts on its own thread, so the other order would let a
    // connection made in between be served.
    const signalledAt = performance.now();
    const drained = gateway.shutdown();
    logger.info({ signal, shutdownDelayMs: config.shutdownDelayMs }, 'draining in-flight requests');
    drained.then(
      () => {
        logger.info({ durationMs: Math.round(performance.now() - signalledAt) }, 'shutdown complete');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  // SIGHUP reads API_KEYS_FILE again at once (it is also read every API_KEYS_RELOAD_MS), instead of ending the process.
  process.on('SIGHUP', () => {
    if (stopping) return;
    const outcome = gateway.reloadApiKeys();
    logger.info({ signal: 'SIGHUP', apiKeys: outcome ?? 'no API_KEYS_FILE' }, 'API_KEYS_FILE read again');
  });
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`gateway failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
