import { getPriority } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnGateway, SPAWNED_GATEWAY_TEST_MS, type GatewayProcess } from '../helpers/gateway-process.js';
import { niceByThread } from '../helpers/proc.js';

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

  it(
    "lowers every thread but the edge thread's by 10 by default (the main thread, V8's and libuv's), so the edge thread runs first",
    async () => {
      gateway = await spawnGateway(null, { OVERLOAD_EDGE_THREAD: 'on' });
      expect(await served(gateway)).toBe(200);
      const pid = gateway.child.pid!;
      const nice = niceByThread(pid);
      expect(nice.get(pid)).toBe(Math.min(19, own + 10));
      // One thread keeps the process's own value: the edge thread (the main thread is not it).
      const kept = [...nice].filter(([, value]) => value === own).map(([tid]) => tid);
      expect(kept).toHaveLength(1);
      expect(kept[0]).not.toBe(pid);
      expect(nice.size).toBeGreaterThan(4);
      for (const [tid, value] of nice) if (tid !== kept[0]) expect(value).toBe(Math.min(19, own + 10));
    },
    SPAWNED_GATEWAY_TEST_MS,
  );

  it(
    'leaves every thread alone with 0, or without the edge thread',
    async () => {
      for (const env of [{ OVERLOAD_EDGE_THREAD: 'on', OVERLOAD_MAIN_THREAD_NICE: '0' }, { OVERLOAD_EDGE_THREAD: 'off' }]) {
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
