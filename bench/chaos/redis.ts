/**
 * A private redis-server for the chaos run (no persistence, loopback only),
 * killed and restarted on the same port by its pid. Null when redis-server is
 * not installed: the run then skips the Redis phases and says so.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../processes.js';

export interface ChaosRedis {
  url: string;
  kill(): void;
  restart(): Promise<void>;
  stop(): void;
}

export async function startChaosRedis(): Promise<ChaosRedis | null> {
  if (spawnSync('redis-server', ['--version']).status !== 0) return null;
  const port = await freePort();
  let child: ChildProcess;
  const start = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    for (let i = 0; i < 100; i += 1) {
      if (spawnSync('redis-cli', ['-p', String(port), 'ping']).stdout?.toString().trim() === 'PONG') return;
      await sleep(50);
    }
    throw new Error('redis-server did not start');
  };
  await start();
  process.once('exit', () => child.kill('SIGKILL'));
  return {
    url: `redis://127.0.0.1:${port}`,
    kill: () => void child.kill('SIGKILL'),
    restart: start,
    stop: () => void child.kill('SIGTERM'),
  };
}
