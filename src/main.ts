import { constants } from 'node:os';
import { isatty } from 'node:tty';
import type { Gateway } from './gateway.js';
import type { Logger } from './logger.js';

/**
 * `npm start`: read the configuration, start the gateway, and on SIGTERM or
 * SIGINT fail readiness at once, keep serving for `SHUTDOWN_DELAY_MS`, stop
 * accepting, finish in-flight requests, then exit 0; on SIGHUP read
 * `API_KEYS_FILE` again.
 */
async function main(): Promise<void> {
  let config;
  let gateway;
  let logger;
  let stopping = false;
  // SIGHUP reads API_KEYS_FILE again at once (it is also read every API_KEYS_RELOAD_MS), instead of ending the
  // process. Listened to from the start: until the gateway is up (a second or so) the signal's default would end it,
  // and the start-up may already have read the file, so one sent meanwhile is served once the gateway is up.
  let started: { gateway: Gateway; logger: Logger } | undefined;
  let hangupWhileStarting = false;
  const terminal = [0, 1, 2].filter((fd) => isatty(fd));
  const hangup = () => {
    // Unless it is the hang-up of the terminal the gateway runs in (closed, an SSH session dropped), which ends it as
    // SIGHUP's default does: its log lines would have nowhere to go (a write to a hung-up terminal fails, and the
    // logger's flush at exit retries it forever, leaving a process that holds its port and serves nothing).
    if (terminal.some((fd) => !isatty(fd))) {
      process.removeListener('SIGHUP', hangup);
      process.kill(process.pid, 'SIGHUP');
      return;
    }
    if (stopping) return;
    if (started === undefined) {
      hangupWhileStarting = true;
      return;
    }
    const outcome = started.gateway.reloadApiKeys();
    started.logger.info({ signal: 'SIGHUP', apiKeys: outcome ?? 'no API_KEYS_FILE' }, 'API_KEYS_FILE read again');
  };
  process.on('SIGHUP', hangup);
  // SIGTERM and SIGINT are listened to from the start too. As PID 1 of a container (`command: ["node", "dist/main.js"]`)
  // the kernel drops a signal that has no listener instead of ending the process: one sent while the gateway started
  // (a pod deleted during a rollout) was lost, and the gateway went on to serve until the grace period ended and it
  // was killed. Until the gateway is up nothing has been served, so it ends at once, as the signal's default action
  // ends it elsewhere (exit code 128 + the signal's number, as a shell reports a process the signal ended).
  let stop: ((signal: 'SIGTERM' | 'SIGINT') => void) | undefined;
  const terminate = (signal: 'SIGTERM' | 'SIGINT') => {
    if (stop !== undefined) return stop(signal);
    process.stderr.write(`${signal} while starting: exiting without serving\n`);
    process.exit(128 + constants.signals[signal]);
  };
  process.on('SIGTERM', () => terminate('SIGTERM'));
  process.on('SIGINT', () => terminate('SIGINT'));
  // The rest only now: loading the packages (graphql, Apollo, pino…) is most of a start, and imported statically they
  // were all loaded before the first line here ran, with no listener yet.
  const [{ ConfigError, loadConfig }, { describeConfiguration, loadConfigurationFiles, startGateway }, { createLogger, limitLogFlushAtExit }] =
    await Promise.all([import('./config.js'), import('./gateway.js'), import('./logger.js')]);
  try {
    config = loadConfig();
    logger = createLogger(config.logLevel, undefined, config.logBufferBytes);
    if (process.argv.includes('--check')) {
      // `npm start -- --check`, as `nginx -t` or `router config validate`: the environment and every file it names
      // checked, then exit 0 (2 on a problem, named), without starting anything. Ports are not tried.
      const checked = describeConfiguration(config, loadConfigurationFiles(config));
      process.stdout.write(`configuration valid: ${JSON.stringify(checked, null, 2)}\n`);
      process.exit(0);
    }
    gateway = await startGateway(config, logger);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const drain = (signal: string) => {
    if (stopping) return;
    stopping = true;
    // Started before the line is logged: once a client can read it, readiness answers 503 and (with no delay) the
    // listener is closing. The edge thread's worker accepts on its own thread, so the other order would let a
    // connection made in between be served.
    const signalledAt = performance.now();
    const drained = gateway.shutdown();
    logger.info({ signal, shutdownDelayMs: config.shutdownDelayMs }, 'draining in-flight requests');
    // The last log lines get what is left of SHUTDOWN_TIMEOUT_MS, from half a second to 5 s: a reader of stdout that
    // has stalled must not keep the process from ending.
    const exit = (code: number) => {
      limitLogFlushAtExit(Math.min(5_000, Math.max(500, config.shutdownTimeoutMs - (performance.now() - signalledAt))));
      process.exit(code);
    };
    drained.then(
      () => {
        logger.info({ durationMs: Math.round(performance.now() - signalledAt) }, 'shutdown complete');
        exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        exit(1);
      },
    );
  };
  started = { gateway, logger };
  if (hangupWhileStarting) hangup();
  stop = drain;
  // Only now: a supervisor that reads this line and signals at once must get a drain, not an exit without one.
  logger.info(
    {
      url: gateway.url,
      audiences: config.audiences.map((a) => `${gateway.url}/${a}/graphql`),
      ...(gateway.operationsUrl ? { operations: gateway.operationsUrl } : {}),
    },
    'gateway listening',
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`gateway failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
