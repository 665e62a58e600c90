import { pino, type Logger } from 'pino';

/**
 * The process logger: JSON lines on stdout. Credentials are redacted wherever
 * they might appear, so no token or key ever reaches a log line.
 */
export function createLogger(level: string): Logger {
  return pino({
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
  });
}

export type { Logger };
