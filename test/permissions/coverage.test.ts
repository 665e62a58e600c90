import { makeExecutableSchema } from '@graphql-tools/schema';
import { describe, expect, it } from 'vitest';
import { AUDIENCES } from '../../src/context.js';
import { fieldsWithoutRules, RULE_TREES } from '../../src/permissions/index.js';
import { audienceTypeDefs, buildAudienceSchema } from '../../src/schema.js';

describe('Permission coverage', () => {
  for (const audience of AUDIENCES) {
    it(`gives every field of every object type in the ${audience} schema an explicit rule`, () => {
      const missing = fieldsWithoutRules(buildAudienceSchema(audience), RULE_TREES[audience]);
      expect(missing, `fields without a rule in src/permissions/${audience}.ts: ${missing.join(', ')}`).toEqual([]);
    });
  }

  it('names a field added to the schema without a rule, on Query and on a nested type', () => {
    const schema = makeExecutableSchema({
      typeDefs: [
        ...audienceTypeDefs('web'),
        'extend type Query { adminReport: String }',
        'extend type Order { internalNote: String }',
      ],
    });
    expect(fieldsWithoutRules(schema, RULE_TREES.web)).toEqual(['Query.adminReport', 'Order.internalNote']);
  });

  it('names every field of a new object type that has no rule map at all', () => {
    const schema = makeExecutableSchema({
      typeDefs: [...audienceTypeDefs('public'), 'type Partner { id: ID! name: String! }', 'extend type Query { partner: Partner }'],
    });
    expect(fieldsWithoutRules(schema, RULE_TREES.public)).toEqual(['Query.partner', 'Partner.id', 'Partner.name']);
  });
});
