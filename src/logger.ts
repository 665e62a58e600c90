import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * The process logger: JSON lines on stdout, or on `destination` (tests capture
 * the lines there). Credentials are redacted wherever they might appear, so no
 * token or key ever reaches a log line.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
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
  return destination ? pino(options, destination) : pino(options);
}

export type { Logger };
