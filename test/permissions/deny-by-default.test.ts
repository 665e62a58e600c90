import { makeExecutableSchema } from '@graphql-tools/schema';
import { graphql } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { Consumer } from '../../src/auth/consumer.js';
import { anonymousConsumer } from '../../src/auth/consumer.js';
import { withPermissions } from '../../src/permissions/index.js';
import { audienceTypeDefs } from '../../src/schema.js';

// A schema with one field the web rule tree does not know: it must fall to deny.
const schema = withPermissions(
  'web',
  makeExecutableSchema({
    typeDefs: [...audienceTypeDefs('web'), 'extend type Query { adminReport: String }'],
    resolvers: { Query: { adminReport: () => 'every order of every user' } },
  }),
);

const user: Consumer = { kind: 'user', id: 'u1', tier: 'pro', scopes: new Set(['orders:write']) };

async function ask(consumer: Consumer) {
  return graphql({ schema, source: '{ adminReport }', contextValue: { audience: 'web', consumer } });
}

describe('Deny by default', () => {
  it('refuses a field without a rule to a signed-in user with FORBIDDEN, never running its resolver', async () => {
    const result = await ask(user);
    expect(result.data).toEqual({ adminReport: null });
    expect(result.errors).toHaveLength(1);
    expect(result.errors![0]!.extensions['code']).toBe('FORBIDDEN');
    expect(result.errors![0]!.path).toEqual(['adminReport']);
    expect(result.errors![0]!.message).not.toContain('Not Authorised');
  });

  it('refuses it to an anonymous caller with UNAUTHENTICATED', async () => {
    const result = await ask(anonymousConsumer('127.0.0.1'));
    expect(result.data).toEqual({ adminReport: null });
    expect(result.errors![0]!.extensions['code']).toBe('UNAUTHENTICATED');
  });
});
