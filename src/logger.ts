import fs from 'node:fs';
import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * Log text waiting for stdout beyond which new lines are dropped, and counted, rather than kept
 * (`LOG_BUFFER_BYTES`). When whatever reads the gateway's stdout (the container runtime, a log shipper) stops
 * reading, the pipe fills; pino's writer then kept every later line in memory, without bound, until the heap ran
 * out. Writing synchronously instead would stop every request, `/healthz` included, for as long as the reader
 * stalls: a gateway that could serve but is restarted.
 */
export const DEFAULT_LOG_BUFFER_BYTES = 16 * 1024 * 1024;

/** While the process runs, a write stdout refuses for now (EAGAIN) is tried again, for as long as it takes. */
let giveUpWritingAt = Number.POSITIVE_INFINITY;
/** What the last lines get at the exit: 5 s unless the exit says otherwise (`limitLogFlushAtExit`). */
let exitFlushMs = 5_000;
let flushesAtExit = false;
let stdout: ReturnType<typeof pino.destination> | undefined;
let dropped = 0;

/** Log lines dropped since the start because stdout did not take them in time (`bff_log_lines_dropped_total`). */
export function droppedLogLines(): number {
  return dropped;
}

/** The last log lines get at most `withinMs` at the coming exit (what is left of a drain's time). */
export function limitLogFlushAtExit(withinMs: number): void {
  exitFlushMs = withinMs;
}

/**
 * At every exit, writes out the log lines still held, trying for at most `exitFlushMs` while stdout takes nothing,
 * then drops the rest. pino's own flush at exit retries a full pipe for ever: a process that has closed its port and
 * finished its drain (or failed), and never ends.
 */
function flushLogsAtExit(): void {
  if (stdout === undefined) return;
  giveUpWritingAt = performance.now() + exitFlushMs;
  // sonic-boom's flushSync asks retryEAGAIN about EAGAIN only, and tries any other failed write again every 100 ms
  // for ever: with whatever read stdout gone (EPIPE, the lines still held when the exit came), the process never
  // ended. Such a write can never succeed: for this flush it is an EAGAIN that is not tried again.
  const writeSync = fs.writeSync;
  fs.writeSync = function writeOrGiveUp(...args: unknown[]): number {
    try {
      return Reflect.apply(writeSync, fs, args) as number;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN' || code === 'EBUSY') throw error;
      giveUpWritingAt = Number.NEGATIVE_INFINITY;
      throw Object.assign(new Error(`stdout refused the last log lines (${code ?? 'unknown'})`), { code: 'EAGAIN', cause: error });
    }
  } as typeof fs.writeSync;
  try {
    stdout.flushSync();
  } catch {
    // Marked destroyed, pino's flush at exit writes nothing more.
    stdout.destroy();
  } finally {
    fs.writeSync = writeSync;
  }
}

/** stdout, written asynchronously, holding at most `bufferBytes` of lines it has not taken yet. */
function stdoutDestination(bufferBytes: number): ReturnType<typeof pino.destination> {
  // Every exit, not only the one after a drain: listened to before pino's flush at exit (listeners run in the order
  // they were added), which then finds the lines written or the writer destroyed.
  if (!flushesAtExit) {
    flushesAtExit = true;
    process.once('exit', flushLogsAtExit);
  }
  stdout = pino.destination({
    fd: 1,
    sync: false,
    maxLength: bufferBytes,
    retryEAGAIN: () => performance.now() < giveUpWritingAt,
  });
  stdout.on('drop', () => dropped++);
  return stdout;
}

/**
 * The process logger: JSON lines on stdout, or on `destination` (tests capture
 * the lines there). Credentials are redacted wherever they might appear, so no
 * token or key ever reaches a log line.
 */
export function createLogger(level: string, destination?: DestinationStream, bufferBytes = DEFAULT_LOG_BUFFER_BYTES): Logger {
  const options = {
    level,
    base: { service: 'bff-gateway' },
    redact: {
      paths: [
        'authorization',
        '*.authorization',
        'headers.authorization',
        'headers["x-api-key"]',
        '*.headers.authorization',
        '*.headers["x-api-key"]',
        'token',
        'apiKey',
      ],
      censor: '[redacted]',
    },
  };
  if (destination) return pino(options, destination);
  const out = stdoutDestination(bufferBytes);
  const logger = pino(options, out);
  // Once stdout has taken every line held, one line says how many were lost meanwhile (the metric counts them all).
  let reported = 0;
  out.on('drain', () => {
    if (dropped === reported) return;
    const lost = dropped - reported;
    reported = dropped;
    logger.warn({ droppedLines: lost, logBufferBytes: bufferBytes }, 'log lines dropped: stdout was not read');
  });
  return logger;
}

export type { Logger };
