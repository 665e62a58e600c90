/**
 * Upstream failures as values the GraphQL layer can map to public codes.
 * Messages are safe to show a client: they name the service, never its host,
 * port, URL or response body. The raw cause is kept for logs only.
 */
export type UpstreamErrorCode =
  | 'UPSTREAM_UNAVAILABLE'
  | 'UPSTREAM_TIMEOUT'
  | 'UPSTREAM_BAD_RESPONSE'
  | 'NOT_FOUND'
  | 'BAD_USER_INPUT'
  | 'CONFLICT';

export type ServiceName = 'users' | 'orders' | 'products' | 'inventory' | 'reviews' | 'pricing' | 'notifications';

export const SERVICE_NAMES: readonly ServiceName[] = [
  'users',
  'orders',
  'products',
  'inventory',
  'reviews',
  'pricing',
  'notifications',
];

export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';
  constructor(
    readonly code: UpstreamErrorCode,
    readonly service: ServiceName,
    message: string,
    /** HTTP status of the upstream response, when there was one. */
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
