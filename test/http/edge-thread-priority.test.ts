import { getPriority } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnGateway, SPAWNED_GATEWAY_TEST_MS, type GatewayProcess } from '../helpers/gateway-process.js';
import { niceByThread } from '../helpers/proc.js';
import { AUTO_MAIN_THREAD_NICE, mainThreadNiceFor } from '../../src/http/edge-thread.js';

const served = async (gateway: GatewayProcess) =>
  (await fetch(`${gateway.url}/public/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' })).status;

describe('The rest of the process yields to the edge thread (OVERLOAD_MAIN_THREAD_NICE)', () => {
  let gateway: GatewayProcess | undefined;
  afterEach(async () => {
    await gateway?.stop();
    gateway = undefined;
  });
  // The gateway inherits this process's nice value.
  const own = getPriority();

  /** Every thread of the gateway but the edge thread's has its nice value raised by `by`; the edge thread keeps the process's. */
  const expectLoweredBy = (gateway: GatewayProcess, by: number) => {
    const pid = gateway.child.pid!;
    const nice = niceByThread(pid);
    expect(nice.get(pid)).toBe(Math.min(19, own + by));
    // One thread keeps the process's own value: the edge thread (the main thread is not it).
    const kept = [...nice].filter(([, value]) => value === own).map(([tid]) => tid);
    expect(kept).toHaveLength(1);
    expect(kept[0]).not.toBe(pid);
    expect(nice.size).toBeGreaterThan(4);
    for (const [tid, value] of nice) if (tid !== kept[0]) expect(value).toBe(Math.min(19, own + by));
  };

  it(
    "lowers every thread but the edge thread's by the setting (the main thread, V8's and libuv's), so the edge thread runs first",
    async () => {
      gateway = await spawnGateway(null, { OVERLOAD_MAIN_THREAD_NICE: '10' });
      expect(await served(gateway)).toBe(200);
      expectLoweredBy(gateway, 10);
    },
    SPAWNED_GATEWAY_TEST_MS,
  );

  it(
    'lowers them by 10 by default (auto) in a process that may run on one CPU only, where both threads share it',
    async () => {
      gateway = await spawnGateway(null, {}, { cpus: '0' });
      expect(await served(gateway)).toBe(200);
      expectLoweredBy(gateway, AUTO_MAIN_THREAD_NICE);
    },
    SPAWNED_GATEWAY_TEST_MS,
  );

  it('auto: 10 on one CPU, 0 on more (the edge thread then finds another core), and a number as it is', () => {
    expect(mainThreadNiceFor('auto', 1)).toBe(10);
    expect(mainThreadNiceFor('auto', 2)).toBe(0);
    expect(mainThreadNiceFor('auto', 64)).toBe(0);
    expect(mainThreadNiceFor(5, 1)).toBe(5);
    expect(mainThreadNiceFor(0, 1)).toBe(0);
    expect(mainThreadNiceFor(19, 8)).toBe(19);
  });

  it(
    'leaves every thread alone with 0, or without the edge thread (whatever the setting)',
    async () => {
      for (const env of [{ OVERLOAD_MAIN_THREAD_NICE: '0' }, { OVERLOAD_EDGE_THREAD: 'off', OVERLOAD_MAIN_THREAD_NICE: '10' }]) {
        gateway = await spawnGateway(null, env);
        expect(await served(gateway)).toBe(200);
        expect(new Set(niceByThread(gateway.child.pid!).values())).toEqual(new Set([own]));
        await gateway.stop();
        gateway = undefined;
      }
    },
    SPAWNED_GATEWAY_TEST_MS,
  );
});
