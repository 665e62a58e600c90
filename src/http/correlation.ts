import { randomUUID } from 'node:crypto';

/** What an incoming `X-Correlation-ID` must look like to be kept (no CR/LF, bounded length). */
export const VALID_CORRELATION_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** The request's correlation id: the client's when well-formed, else a fresh UUID. */
export function correlationIdFrom(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value !== undefined && VALID_CORRELATION_ID.test(value) ? value : randomUUID();
}
