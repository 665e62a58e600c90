import { makeExecutableSchema } from '@graphql-tools/schema';
import { graphql, GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { RULE_TREES } from '../../src/permissions/index.js';
import { allow, applyMiddleware, chain, deny, race, rule, shield, type IRules } from '../../src/permissions/shield.js';

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

async function run(tree: IRules, query: string) {
  const schema = makeExecutableSchema({
    typeDefs: 'type Query { a: String b: String c: String }',
    resolvers: { Query: { a: () => 'A', b: () => 'B', c: () => 'C' } },
  });
  const shielded = applyMiddleware(schema, shield(tree, { allowExternalErrors: true, fallbackRule: deny }));
  return graphql({ schema: shielded, source: query, contextValue: {} });
}

describe('graphql-shield on every supported Node line', () => {
  it('evaluates a chain rule in order, stopping at the first refusal', async () => {
    const { ran, passes, refuses } = recorder();
    const result = await run(
      {
        Query: {
          a: chain(passes('a1'), passes('a2')),
          b: chain(passes('b1'), refuses('b2'), passes('b3')),
          c: allow,
        },
      },
      '{ a b c }',
    );
    expect(result.data).toEqual({ a: 'A', b: null, c: 'C' });
    expect(result.errors?.map((e) => e.message)).toEqual(['b2 says no']);
    expect(ran.filter((name) => name.startsWith('a'))).toEqual(['a1', 'a2']);
    expect(ran.filter((name) => name.startsWith('b'))).toEqual(['b1', 'b2']);
  });

  it('evaluates a race rule in order, stopping at the first pass', async () => {
    const { ran, passes, refuses } = recorder();
    const result = await run(
      {
        Query: {
          a: race(refuses('a1'), passes('a2'), passes('a3')),
          b: race(refuses('b1'), refuses('b2')),
          c: allow,
        },
      },
      '{ a b c }',
    );
    expect(result.data).toEqual({ a: 'A', b: null, c: 'C' });
    expect(result.errors).toHaveLength(1);
    expect(result.errors![0]!.message).toMatch(/^b[12] says no$/);
    expect(ran.filter((name) => name.startsWith('a'))).toEqual(['a1', 'a2']);
    expect(ran.filter((name) => name.startsWith('b'))).toEqual(['b1', 'b2']);
  });

  it('refuses, when the rules are applied at start-up, a rule tree in which a field or type names no rule', () => {
    const unset = undefined as unknown as typeof allow;
    expect(() => shield({ Query: { a: allow, b: unset, c: allow } }, {})).toThrow(/names no rule for: Query\.b$/);
    expect(() => shield({ Query: { a: allow }, Order: unset } as IRules, {})).toThrow(/names no rule for: Order$/);
  });

  it("accepts every audience's own rule tree", () => {
    for (const tree of Object.values(RULE_TREES)) expect(() => shield(tree, { fallbackRule: deny })).not.toThrow();
  });
});
