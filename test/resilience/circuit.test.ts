import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFixtureUpstream } from '../helpers/fixture-upstream.js';
import { captureLogs, gql, startTestGateway } from '../helpers/gateway.js';
import { type FaultRig, startFaultRig } from './gateway-faults.js';

const PRODUCT = '{ product(id: "fx-p1") { id name inStock } }';
// Long enough for the checks made while open to finish before it ends, even on a loaded machine.
// (The verbose status and /metrics now probe every upstream's /health inside that window.)
const COOLDOWN_MS = 2_000;

let rig: FaultRig;
beforeAll(async () => {
  rig = await startFaultRig({ CIRCUIT_FAILURE_THRESHOLD: '3', CIRCUIT_COOLDOWN_MS: String(COOLDOWN_MS) });
});
afterEach(() => rig.reset());
afterAll(() => rig.close());

const inventoryCalls = () => rig.upstream.requests.filter((r) => r.service === 'inventory' && r.path !== '/health').length;
const readyz = async () => {
  const response = await fetch(`${rig.gateway.url}/readyz?verbose`);
  return { status: response.status, body: (await response.json()) as { openCircuits: string[]; circuits: Record<string, string> } };
};
const circuitGauge = async (service: string) => {
  const text = await (await fetch(`${rig.gateway.url}/metrics`)).text();
  return new RegExp(`^bff_circuit_state\\{service="${service}"\\} (\\d)$`, 'm').exec(text)?.[1];
};

describe('Circuit breaker seen from the gateway', () => {
  it('opens after repeated 500s, fails fast without calling the service, shows in the verbose status and /metrics (still ready), then one probe closes it', async () => {
    rig.hook((req) => (req.service === 'inventory' && req.path !== '/health' ? { status: 500 } : undefined));
    for (let i = 0; i < 3; i++) {
      const { body } = await gql(rig.gateway, 'web', PRODUCT);
      expect(body.errors!.map((e) => e.extensions!['code'])).toEqual(['UPSTREAM_UNAVAILABLE']);
    }
    expect(inventoryCalls()).toBe(3);

    const ready = await readyz();
    expect(ready.status).toBe(200);
    expect(ready.body.openCircuits).toEqual(['inventory']);
    expect(await circuitGauge('inventory')).toBe('2');
    expect(await circuitGauge('products')).toBe('0');

    // Open: the rest of the data still comes, the stock field fails fast, the service sees nothing.
    for (let i = 0; i < 5; i++) {
      const { status, body } = await gql(rig.gateway, 'web', PRODUCT);
      expect(status).toBe(200);
      expect(body.data).toEqual({ product: { id: 'fx-p1', name: 'Fx Anvil', inStock: null } });
      expect(body.errors!.map((e) => [e.path, e.extensions!['code']])).toEqual([[['product', 'inStock'], 'UPSTREAM_UNAVAILABLE']]);
    }
    expect(inventoryCalls()).toBe(3);

    // After the cool-down the service is well again: one probe, and the circuit closes.
    rig.hook(undefined);
    await sleep(COOLDOWN_MS + 50);
    expect(await circuitGauge('inventory')).toBe('1');
    const { body } = await gql(rig.gateway, 'web', PRODUCT);
    expect(body.errors).toBeUndefined();
    expect(inventoryCalls()).toBe(4);
    expect(await circuitGauge('inventory')).toBe('0');
    expect((await readyz()).body.openCircuits).toEqual([]);
  });
});

describe('Circuit changes in the log', () => {
  it('name the upstream in a field of their own: every line keeps one `service`, the gateway', async () => {
    const logs = captureLogs();
    const upstream = await startFixtureUpstream({ onRequest: (req) => (req.service === 'inventory' && req.path !== '/health' ? { status: 500 } : undefined) });
    const gateway = await startTestGateway({ upstreams: upstream.urls, env: { CIRCUIT_FAILURE_THRESHOLD: '1', LOG_LEVEL: 'info' }, logDestination: logs.destination });
    try {
      await gql(gateway, 'web', PRODUCT);
      const opened = () => logs.lines.find((line) => line.includes('"msg":"circuit open: inventory"'));
      await expect.poll(opened).toBeDefined();
      // A repeated key is legal JSON to a parser (the last one wins) and ambiguous to every log pipeline.
      expect(opened()!.match(/"service":/g)).toHaveLength(1);
      expect(JSON.parse(opened()!)).toMatchObject({ level: 40, service: 'bff-gateway', upstream: 'inventory', circuit: 'open' });
    } finally {
      await gateway.close();
      await upstream.close();
    }
  });
});
