import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Metrics } from '../observability/metrics.js';
import { sendGraphQLError } from './respond.js';
import { ErrorCode } from '../errors.js';

/**
 * `GET /metrics`: the Prometheus text exposition of this gateway's registry.
 * Not cached by anything in between (each scrape is a new sample).
 */
export async function serveMetrics(req: IncomingMessage, res: ServerResponse, metrics: Metrics): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return sendGraphQLError(res, 405, ErrorCode.BAD_REQUEST, 'Use GET.', { allow: 'GET, HEAD' });
  }
  const { contentType, body } = await metrics.render();
  res.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : body);
}
