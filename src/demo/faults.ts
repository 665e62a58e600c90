import type { IncomingMessage, ServerResponse } from 'node:http';
import { SERVICE_NAMES, type ServiceName } from '../../clients/errors.js';

/**
 * What a faulty demo service does with every request, `/health` included:
 * `error` a 500 with the contract's error body, `garbage` a 200 that is not
 * JSON, `hang` never answers (the caller's deadline ends it), `reset` drops
 * the connection, `off` serves normally.
 */
export const FAULT_MODES = ['off', 'error', 'garbage', 'hang', 'reset'] as const;
export type FaultMode = (typeof FAULT_MODES)[number];

/**
 * An in-process switch for fault injection (chaos runs, tests). It has no
 * HTTP route: nothing reachable over the network — through the gateway or
 * on the services' own ports — can turn a fault on. Everything starts `off`.
 */
export interface FaultSwitch {
  set(service: ServiceName, mode: FaultMode): void;
  get(service: ServiceName): FaultMode;
  /** Every service back to `off`. */
  clear(): void;
}

export function createFaultSwitch(): FaultSwitch {
  const modes = new Map<ServiceName, FaultMode>();
  return {
    set: (service, mode) => void modes.set(service, mode),
    get: (service) => modes.get(service) ?? 'off',
    clear: () => modes.clear(),
  };
}

/** Wraps a service's listener so the switch's mode for `service` applies before the service sees the request. */
export function withFaults(
  service: ServiceName,
  listener: (req: IncomingMessage, res: ServerResponse) => void,
  faults: FaultSwitch,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const mode = faults.get(service);
    switch (mode) {
      case 'off':
        return listener(req, res);
      case 'error': {
        const body = JSON.stringify({ error: { code: 'INTERNAL', message: `${service}: injected fault` } });
        res.writeHead(500, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.end(body);
        return;
      }
      case 'garbage':
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html>upstream proxy error</html>');
        return;
      case 'hang':
        // Holds the request until the caller gives up and closes the socket.
        return;
      case 'reset':
        req.socket.destroy();
        return;
    }
  };
}

export function isFaultMode(value: string): value is FaultMode {
  return (FAULT_MODES as readonly string[]).includes(value);
}

export function isServiceName(value: string): value is ServiceName {
  return (SERVICE_NAMES as readonly string[]).includes(value);
}
