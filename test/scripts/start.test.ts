import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Audience } from '../../src/context.js';
import { spawnGateway, type GatewayProcess } from '../helpers/gateway-process.js';
import { bearer, tokenFor } from '../helpers/gateway.js';

/** The request body of the README's first `curl` under each audience's heading ("A first query for each audience"). */
function readmeFirstQuery(audience: Audience): { query: string; variables?: Record<string, unknown> } {
  const readme = readFileSync('README.md', 'utf8');
  const from = readme.indexOf(`**${audience}**`);
  expect(from, `README has no **${audience}** example`).toBeGreaterThan(-1);
  const body = /-d '(\{.*\})'\n/.exec(readme.slice(from))![1]!;
  return JSON.parse(body) as { query: string; variables?: Record<string, unknown> };
}

let gateway: GatewayProcess;
beforeAll(async () => {
  gateway = await spawnGateway(null);
}, 60_000);
afterAll(async () => {
  await gateway?.stop();
});

async function ask(audience: Audience, headers: Record<string, string>) {
  const response = await fetch(`${gateway.url}/${audience}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(readmeFirstQuery(audience)),
  });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { data?: Record<string, never>; errors?: unknown[] };
  expect(body.errors).toBeUndefined();
  return body.data!;
}

describe('`npm start`: the compiled gateway with its demo services', () => {
  it('runs the build in dist/, not the TypeScript sources', () => {
    // No `--import tsx`: scripts/start.mjs only imports dist/main.js.
    const cmdline = readFileSync(`/proc/${gateway.child.pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    expect(cmdline.slice(1)).toEqual(['scripts/start.mjs']);
  });

  it("answers the README's first mobile query: u1's dashboard", async () => {
    const data = await ask('mobile', bearer(await tokenFor('u1', { tier: 'pro' })));
    expect(data).toMatchObject({ dashboard: { user: { id: 'u1' }, unreadCount: 6 } });
    expect(data['dashboard']['recentOrders']).toHaveLength(5);
  });

  it("answers the README's first web query: the product page of p1, anonymously", async () => {
    const data = await ask('web', {});
    expect(data).toMatchObject({ product: { id: 'p1', inStock: true } });
    expect(data['product']['reviews']['edges']).toHaveLength(3);
  });

  it("answers the README's public query with the demo API key: the catalog's first five products", async () => {
    const data = await ask('public', { 'x-api-key': 'demo-public-key-pro' });
    const edges = data['products']['edges'] as { node: { id: string } }[];
    expect(edges.map((edge) => edge.node.id)).toEqual(['p1', 'p2', 'p3', 'p4', 'p5']);
  });
});
