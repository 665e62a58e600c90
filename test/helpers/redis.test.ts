import { afterAll, describe, expect, it } from 'vitest';
import { pingRedis, redisMissing, startRedis, type TestRedis } from './redis.js';

describe('startRedis without the binary', () => {
  it('fails with the package to install', async () => {
    await expect(startRedis(null)).rejects.toThrow(/apt-get install redis-server/);
  });
});

describe.skipIf(redisMissing())('startRedis', () => {
  const started: TestRedis[] = [];
  afterAll(async () => {
    await Promise.all(started.map((r) => r.stop()));
  });

  it('starts a private server on a free loopback port that answers PING', async () => {
    const redis = await startRedis();
    started.push(redis);
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
    expect(await pingRedis(redis.port)).toBe(true);
  });

  it('gives two servers two ports', async () => {
    const [a, b] = await Promise.all([startRedis(), startRedis()]);
    started.push(a!, b!);
    expect(a!.port).not.toBe(b!.port);
  });

  it('kill() takes it down, restart() brings it back on the same port, stop() ends it', async () => {
    const redis = await startRedis();
    started.push(redis);
    redis.kill();
    await expect.poll(() => pingRedis(redis.port, 100), { timeout: 3_000 }).toBe(false);
    await redis.restart();
    expect(await pingRedis(redis.port)).toBe(true);
    await redis.stop();
    expect(await pingRedis(redis.port, 100)).toBe(false);
    await redis.stop();
  });
});
