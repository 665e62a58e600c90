/**
 * The baseline's upstream access: plain `node:http` GETs over one keep-alive
 * agent, JSON bodies, no caching, no retries, no validation. What a careful
 * hand-written aggregator does, and nothing the gateway's answers do not need.
 */
import http from 'node:http';
import { SERVICE_NAMES, type ServiceName } from '../clients/errors.js';

/** The same pool size as the gateway's transport (64 keep-alive sockets per origin, clients/transport.ts), so neither side wins on sockets. */
const agent = new http.Agent({ keepAlive: true, maxSockets: 64, scheduling: 'lifo' });
const TIMEOUT_MS = 5_000;

interface Target {
  hostname: string;
  port: number;
  /** Path prefix of the base URL, without a trailing slash. */
  prefix: string;
}

/** An upstream answered something other than 200 or 404, or not in time: the baseline answers 502. */
export class UpstreamFailure extends Error {
  override readonly name = 'UpstreamFailure';
}

/** A GET that answers JSON, `null` on 404 (the contract's "no such thing"), and throws on anything else. */
export type GetJson = <T>(service: ServiceName, path: string) => Promise<T | null>;

/** Builds `getJson` over the services' base URLs (parsed once here, not per call). */
export function createUpstream(urls: Record<ServiceName, string>): GetJson {
  const targets = {} as Record<ServiceName, Target>;
  for (const service of SERVICE_NAMES) {
    const url = new URL(urls[service]);
    targets[service] = { hostname: url.hostname, port: Number(url.port || 80), prefix: url.pathname.replace(/\/+$/, '') };
  }
  return <T>(service: ServiceName, path: string) =>
    new Promise<T | null>((resolve, reject) => {
      const target = targets[service];
      const req = http.request(
        { agent, hostname: target.hostname, port: target.port, path: target.prefix + path, method: 'GET', headers: { accept: 'application/json' } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            if (res.statusCode === 404) return resolve(null);
            if (res.statusCode !== 200) return reject(new UpstreamFailure(`${service} answered ${res.statusCode}`));
            try {
              resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as T);
            } catch (error) {
              reject(error);
            }
          });
        },
      );
      req.on('error', reject);
      // An honest aggregator bounds every call; a stuck upstream must not hold a client forever.
      req.setTimeout(TIMEOUT_MS, () => req.destroy(new UpstreamFailure(`${service} timed out`)));
      req.end();
    });
}
