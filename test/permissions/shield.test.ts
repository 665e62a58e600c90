import type { GraphQLResolveInfo } from 'graphql';
import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { Context } from '../../src/context.js';
import { decide } from '../../src/permissions/decide.js';
import { chain, race, rule } from '../../src/permissions/shield.js';

// Rules that record the order they ran in, so chain's and race's short-circuiting shows.
function recorder() {
  const ran: string[] = [];
  const passes = (name: string) =>
    rule(name, { cache: 'no_cache' })(() => {
      ran.push(name);
      return true;
    });
  const refuses = (name: string) =>
    rule(name, { cache: 'no_cache' })(() => {
      ran.push(name);
      return new GraphQLError(`${name} says no`, { extensions: { code: 'FORBIDDEN' } });
    });
  return { ran, passes, refuses };
}

const ctx = () => ({ audience: 'web', consumer: { kind: 'anonymous', id: 'anon:t', tier: 'free', scopes: new Set() } }) as unknown as Context;
const info = {} as GraphQLResolveInfo;
const messageOf = (verdict: unknown) => (verdict === true ? true : (verdict as Error).message);

// Every warning the process emits while this file runs (Node warns once per deprecation, so from the first rule on).
const warnings: string[] = [];
process.on('warning', (warning: Error & { code?: string }) => warnings.push(`${warning.code ?? warning.name}: ${warning.message}`));

// graphql-shield's logic rules call util.isUndefined, which Node 23 removed: these fail there without src/permissions/shield.ts.
describe('graphql-shield on every supported Node line', () => {
  it('evaluates a chain rule in order, stopping at the first refusal', async () => {
    const { ran, passes, refuses } = recorder();
    expect(await decide(chain(passes('a1'), passes('a2')), {}, {}, ctx(), info)).toBe(true);
    expect(messageOf(await decide(chain(passes('b1'), refuses('b2'), passes('b3')), {}, {}, ctx(), info))).toBe('b2 says no');
    expect(ran).toEqual(['a1', 'a2', 'b1', 'b2']);
  });

  it('evaluates a race rule in order, stopping at the first pass', async () => {
    const { ran, passes, refuses } = recorder();
    expect(await decide(race(refuses('a1'), passes('a2'), passes('a3')), {}, {}, ctx(), info)).toBe(true);
    expect(messageOf(await decide(race(refuses('b1'), refuses('b2')), {}, {}, ctx(), info))).toMatch(/^b[12] says no$/);
    expect(ran).toEqual(['a1', 'a2', 'b1', 'b2']);
  });

  // Node 22 warns on util.isUndefined (DEP0058) the first time it is called: a gateway printed that
  // line to stderr, outside its JSON log, at its first chain rule. Fails on Node 22 without the shim.
  it('evaluates logic rules without a deprecation warning', async () => {
    const { passes, refuses } = recorder();
    await decide(chain(passes('c1'), passes('c2')), {}, {}, ctx(), info);
    await decide(race(refuses('d1'), passes('d2')), {}, {}, ctx(), info);
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings).toEqual([]);
  });
});
