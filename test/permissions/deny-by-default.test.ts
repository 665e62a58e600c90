import { makeExecutableSchema } from '@graphql-tools/schema';
import { graphql } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { Consumer } from '../../src/auth/consumer.js';
import { RULE_TREES, withPermissions } from '../../src/permissions/index.js';
import { audienceTypeDefs, buildAudienceSchema } from '../../src/schema.js';
import { webResolvers } from '../../resolvers/web/index.js';

const alice: Consumer = { kind: 'user', id: 'u-alice', tier: 'pro', scopes: new Set(['orders:write']) };
const aliceOrder = { id: 'o-a', userId: 'u-alice', status: 'paid', createdAt: '2026-01-01T00:00:00Z', lines: [], total: { amountMinor: 100, currency: 'USD' } };
const bobOrder = { ...aliceOrder, id: 'o-b', userId: 'u-bob' };

const webWith = (extension: string, resolvers: Record<string, Record<string, unknown>> = {}) =>
  makeExecutableSchema({ typeDefs: [...audienceTypeDefs('web'), extension], resolvers: [webResolvers, resolvers] as never });

describe('Deny by default, at start-up', () => {
  it('refuses to start when a schema field has no rule, naming each one', () => {
    const schema = webWith('extend type Query { adminReport: String } extend type Order { internalNote: String }');
    expect(() => withPermissions('web', schema)).toThrow(/without a permission rule.*Query\.adminReport, Order\.internalNote/);
  });

  it('refuses to start when a rule names a field the schema lacks', () => {
    const rules = { ...RULE_TREES.web, Query: { ...RULE_TREES.web['Query'], gone: RULE_TREES.web['Query']!['me']! } };
    expect(() => withPermissions('web', buildAudienceSchemaUnguarded(), rules)).toThrow(/Query\.gone is not in the schema/);
  });

  it('refuses to start when a rule in the tree is unset (a missing import), naming the field', () => {
    const rules = { ...RULE_TREES.web, Query: { ...RULE_TREES.web['Query'], me: undefined as never } };
    expect(() => withPermissions('web', buildAudienceSchemaUnguarded(), rules)).toThrow(/Query\.me names no rule/);
  });

  it('refuses to start when a type kept inside a guard can be reached around it', () => {
    const rules = { ...RULE_TREES.web, Query: { ...RULE_TREES.web['Query'], looseLine: RULE_TREES.web['Query']!['product']! } };
    const schema = webWith('extend type Query { looseLine: OrderLine }');
    expect(() => withPermissions('web', schema, rules)).toThrow(/Query\.looseLine returns OrderLine without passing owns:order/);
  });

  it('checks an owned object on every field that returns it, whatever that field’s own rule says', async () => {
    // A new open field returning orders: the ownership check follows the Order type, not the field.
    const rules = { ...RULE_TREES.web, Query: { ...RULE_TREES.web['Query'], anyOrder: RULE_TREES.web['Query']!['product']! } };
    const schema = withPermissions(
      'web',
      webWith('extend type Query { anyOrder(id: ID!): Order }', { Query: { anyOrder: (_: unknown, { id }: { id: string }) => (id === 'o-a' ? aliceOrder : bobOrder) } }),
      rules,
    );
    const ask = (id: string) => graphql({ schema, source: `{ anyOrder(id: "${id}") { id status } }`, contextValue: { audience: 'web', consumer: alice } });
    const own = await ask('o-a');
    expect(own.errors).toBeUndefined();
    expect(own.data).toEqual({ anyOrder: { id: 'o-a', status: 'PAID' } });
    const foreign = await ask('o-b');
    expect(foreign.data).toEqual({ anyOrder: null });
    expect(foreign.errors).toHaveLength(1);
    expect(foreign.errors![0]!.path).toEqual(['anyOrder']);
    expect(foreign.errors![0]!.extensions['code']).toBe('FORBIDDEN');
  });

  it('builds every audience schema with a complete, consistent tree', () => {
    for (const audience of ['mobile', 'web', 'public'] as const) expect(() => buildAudienceSchema(audience)).not.toThrow();
  });
});

function buildAudienceSchemaUnguarded() {
  return makeExecutableSchema({ typeDefs: audienceTypeDefs('web'), resolvers: webResolvers as never });
}
