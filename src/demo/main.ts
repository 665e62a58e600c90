/**
 * Runs the demo services standalone: `npx tsx src/demo/main.ts`.
 * `DEMO_BASE_PORT` puts them on consecutive ports from it (free ports when
 * unset), `DEMO_LATENCY_MS` delays every response, `DEMO_HOST` picks the
 * interface. Prints `USERS_URL=…` lines ready to paste into the gateway's env.
 */
import { SERVICE_NAMES, type ServiceName } from '../../clients/errors.js';
import { startDemoServices } from './index.js';

function intFromEnv(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return value;
}

const basePort = intFromEnv('DEMO_BASE_PORT');
const latencyMs = intFromEnv('DEMO_LATENCY_MS') ?? 0;
const ports: Partial<Record<ServiceName, number>> = {};
if (basePort !== undefined) SERVICE_NAMES.forEach((name, i) => (ports[name] = basePort + i));

const services = await startDemoServices({ host: process.env['DEMO_HOST'] || '127.0.0.1', ports, latencyMs });
for (const name of SERVICE_NAMES) console.log(`${name.toUpperCase()}_URL=${services.urls[name]}`);
if (latencyMs > 0) console.error(`demo services: ${latencyMs} ms latency on every response`);

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  services.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
