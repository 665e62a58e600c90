/**
 * `--generator native` for `npm run bench:overload`: the open-loop schedule
 * of open-loop.ts sent by ./loadgen.c, compiled here with the machine's C
 * compiler (`cc`, `gcc` or `clang`). A Node generator at a few thousand
 * requests a second adds its own event-loop turns and collector pauses to
 * every latency it times (on the development VM a server that only refuses
 * measured 9–29 ms at the p99 through it); the C one waits on epoll and a
 * timer and adds microseconds, so the floor row shows the machine rather
 * than the generator.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchRequest } from '../scenarios.js';
import { MAX_CONNECTIONS, percentile, type Answer, type OpenLoopResult } from './open-loop.js';

const SOURCE = new URL('./loadgen.c', import.meta.url);

/** The first C compiler on the PATH (`cc`, `gcc`, `clang`), or null. */
export function cCompiler(): string | null {
  for (const compiler of ['cc', 'gcc', 'clang']) {
    try {
      execFileSync(compiler, ['--version'], { stdio: 'ignore' });
      return compiler;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return null;
}

/** The compiled generator's path, built on first use (and again whenever its source changes). */
function compiled(): string {
  const source = readFileSync(SOURCE);
  const dir = join(tmpdir(), 'bff-bench');
  const binary = join(dir, `loadgen-${createHash('sha256').update(source).digest('hex').slice(0, 12)}`);
  if (existsSync(binary)) return binary;
  const compiler = cCompiler();
  if (compiler === null) throw new Error('--generator native needs a C compiler (cc, gcc or clang): install build-essential, or pass --generator node');
  mkdirSync(dir, { recursive: true });
  execFileSync(compiler, ['-O2', '-o', binary, fileURLToPath(SOURCE)], { stdio: ['ignore', 'ignore', 'pipe'] });
  return binary;
}

/** The request as it goes on the wire, HTTP/1.1 with a length. */
function raw(request: BenchRequest, host: string): Buffer {
  const body = Buffer.from(request.body ?? '');
  const headers = Object.entries({ host, ...request.headers, 'content-length': String(body.length) })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  return Buffer.concat([Buffer.from(`${request.method} ${request.path} HTTP/1.1\r\n${headers}\r\n`), body]);
}

/** open-loop.ts's `openLoop`, sent by the C generator; it has no event loop, so `loopDelayBySecond` is empty. */
export async function nativeOpenLoop(url: string, requests: BenchRequest[], ratePerSecond: number, seconds: number): Promise<OpenLoopResult> {
  const binary = compiled();
  const { hostname, port, host } = new URL(url);
  const file = join(tmpdir(), 'bff-bench', `requests-${process.pid}`);
  writeFileSync(
    file,
    // The first is the warm-up sent once on every connection before the clock starts, as open-loop.ts's.
    Buffer.concat([{ method: 'GET', path: '/healthz', headers: {} } as BenchRequest, ...requests].flatMap((request) => {
      const bytes = raw(request, host);
      return [Buffer.from(`${bytes.length}\n`), bytes];
    })),
  );
  const child = spawn(binary, [hostname, port, String(ratePerSecond), String(seconds), String(MAX_CONNECTIONS), file], { stdio: ['ignore', 'pipe', 'inherit'] });
  const chunks: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  rmSync(file, { force: true });
  if (code !== 0) throw new Error(`the native generator exited with ${code}`);
  const answers: Answer[] = [];
  const lags: number[] = [];
  let connections = { opened: 0, closed: 0 };
  for (const line of Buffer.concat(chunks).toString().split('\n')) {
    const fields = line.split(' ');
    if (fields[0] === 'connections') {
      connections = { opened: Number(fields[1]), closed: Number(fields[2]) };
      continue;
    }
    if (fields.length !== 7) continue;
    const [op, due, sent, answered, status, overloaded, retryAfter] = fields.map(Number) as [number, number, number, number, number, number, number];
    lags.push((sent - due) / 1000);
    answers.push({
      op,
      at: due / 1000,
      ms: (answered - sent) / 1000,
      status,
      ...(status === 200 ? {} : { code: overloaded ? 'OVERLOADED' : 'not OVERLOADED' }),
      retryAfter: retryAfter ? '1' : null,
    });
  }
  lags.sort((a, b) => a - b);
  return { answers, lagP99Ms: percentile(lags, 99), lagMaxMs: lags.at(-1) ?? 0, loopDelayBySecond: [], connections };
}
