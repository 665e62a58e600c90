/**
 * CPU cost of one upstream call, client side only: `npm run bench:http`.
 * A local server in its own process answers a 2 KB JSON batch of products;
 * 10 concurrent callers in this process make the calls; `process.cpuUsage()`
 * around each measured block gives CPU µs per call (user + system, GC
 * included). CPU rather than wall time because the machine is shared.
 *
 * Variants, interleaved over several rounds so background load spreads evenly:
 * - `undici`: bare `Agent.request` + `body.text()` + `JSON.parse`, the floor;
 * - `http.call`: the project's transport (`createHttp`) with a no-op parse:
 *   deadline, retries, circuit breaker, header allowlist, size limit, errors;
 * - `clients`: the full per-call path a resolver takes,
 *   `forRequest(meta).products.getProductsByIds([id])`: URL building, the
 *   response cache's lookup (a miss: the server sends no Cache-Control),
 *   coalescing, the transport, and payload validation.
 * Target (issue #12): the project's path ≤ 2× bare undici.
 */
import { createServer } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Agent } from 'undici';
import { createClients } from '../clients/create-clients.js';
import { createHttp } from '../clients/http.js';
import type { ServiceName } from '../clients/errors.js';
import { jsonLines, spawnNode, stopProcess } from './processes.js';
import { machineLine } from './machine.js';

const CONCURRENCY = 10;
const CALLS_PER_BLOCK = 3_000;
const WARMUP_CALLS = 3_000;
const ROUNDS = Number(process.env['BENCH_HTTP_ROUNDS'] ?? '5');
const TARGET_RATIO = 2;

/** About 2 KB of products that pass the client's validation. */
function body(): string {
  const items = Array.from({ length: 7 }, (_, i) => ({
    id: `p${i}`,
    name: `Product ${i} with a name long enough to matter`,
    description: 'A sturdy thing with a description of a realistic length for a catalog entry.',
    categoryId: 'c1',
    imageUrl: `https://img.example/p${i}.jpg`,
    thumbnailUrl: `https://img.example/p${i}-thumb.jpg`,
    tags: ['one', 'two', 'three'],
  }));
  return JSON.stringify({ items });
}

/** The server side, in its own process so its CPU is not counted: prints `{"url":…}`. */
async function serve(): Promise<void> {
  const payload = Buffer.from(body());
  const server = createServer((_, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': payload.length });
    res.end(payload);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  console.log(JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, bytes: payload.length }));
}

type Call = (n: number) => Promise<unknown>;

interface Variant {
  name: string;
  /** Prepares a block: returns the call to repeat (fresh per block, as a request would be). */
  block(): Call;
}

/** Runs `calls` calls over `CONCURRENCY` callers and returns CPU µs per call. */
async function measure(call: Call, calls: number): Promise<number> {
  let next = 0;
  const before = process.cpuUsage();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < calls) await call(next++);
    }),
  );
  const used = process.cpuUsage(before);
  return (used.user + used.system) / calls;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function main(): Promise<void> {
  const server = spawnNode(fileURLToPath(import.meta.url), { BENCH_HTTP_SERVER: '1' });
  try {
    const { url, bytes } = (await jsonLines(server)()) as { url: string; bytes: number };
    const agent = new Agent({ connections: 64, keepAliveTimeout: 60_000 });
    const http = createHttp();
    const urls = Object.fromEntries(
      (['users', 'orders', 'products', 'inventory', 'reviews', 'pricing', 'notifications'] as ServiceName[]).map((s) => [s, url]),
    ) as Record<ServiceName, string>;
    const clients = createClients({ urls });
    let id = 0;
    const variants: Variant[] = [
      {
        name: 'undici (bare Agent.request)',
        block: () => async () => {
          const { body: response } = await agent.request({ origin: url, path: `/products?ids=x${id++}`, method: 'GET', headers: { accept: 'application/json' } });
          return JSON.parse(await response.text());
        },
      },
      {
        name: 'http.call (transport, no validation)',
        block: () => {
          const meta = { correlationId: 'bench' };
          return () => http.call({ service: 'products', method: 'GET', url: `${url}/products?ids=x${id++}`, route: '/products?ids', meta, parse: (b) => b });
        },
      },
      {
        name: 'clients (full path, validated)',
        block: () => {
          // A request's deadline would end a long block on a busy machine: this one outlasts it.
          const api = clients.forRequest({ correlationId: 'bench', deadline: performance.now() + 600_000 });
          return () => api.products.getProductsByIds([`x${id++}`]);
        },
      },
    ];
    for (const variant of variants) await measure(variant.block(), WARMUP_CALLS);
    const results = new Map<string, number[]>(variants.map((v) => [v.name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      // Rotating who goes first, so a burst of background load does not always hit the same variant.
      for (let i = 0; i < variants.length; i++) {
        const variant = variants[(i + round) % variants.length]!;
        results.get(variant.name)!.push(await measure(variant.block(), CALLS_PER_BLOCK));
      }
    }
    console.log(`Upstream call CPU (client side), ${bytes} B JSON, ${CONCURRENCY} concurrent, ${ROUNDS} rounds × ${CALLS_PER_BLOCK} calls`);
    console.log(machineLine());
    const floor = median(results.get(variants[0]!.name)!);
    for (const [name, values] of results) {
      const mid = median(values);
      console.log(`${name.padEnd(40)} median ${mid.toFixed(1).padStart(6)} µs/call  min ${Math.min(...values).toFixed(1).padStart(6)}  ×${(mid / floor).toFixed(2)}`);
    }
    const worst = median(results.get(variants[variants.length - 1]!.name)!) / floor;
    console.log(`verdict: full client path ${worst.toFixed(2)}× bare undici (target ≤ ${TARGET_RATIO}×): ${worst <= TARGET_RATIO ? 'met' : 'NOT met'}`);
    http.close();
    await clients.close();
    await agent.close();
  } finally {
    await stopProcess(server, 5_000);
  }
}

if (process.env['BENCH_HTTP_SERVER'] === '1') await serve();
else await main();
