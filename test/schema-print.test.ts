import { readFileSync } from 'node:fs';
import {
  buildClientSchema,
  buildSchema,
  getIntrospectionQuery,
  GraphQLSchema,
  isSpecifiedDirective,
  lexicographicSortSchema,
  printSchema,
  type IntrospectionQuery,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIENCES } from '../src/context.js';
import type { Gateway } from '../src/gateway.js';
import { PRINTED_DIR, printAudienceSchema } from '../src/schema-print.js';
import { gql, startTestGateway } from './helpers/gateway.js';

/** Order-independent SDL without custom directive definitions, to compare two schemas' client view. */
function canonical(schema: GraphQLSchema): string {
  const directives = schema.getDirectives().filter(isSpecifiedDirective);
  return printSchema(lexicographicSortSchema(new GraphQLSchema({ ...schema.toConfig(), directives })));
}

describe('Printed client schemas (schema/printed)', () => {
  it.each(AUDIENCES)('%s.graphql is up to date: a stale file fails here (run `npm run schema:print`)', (audience) => {
    const committed = readFileSync(`${PRINTED_DIR}${audience}.graphql`, 'utf8');
    expect(committed, `schema/printed/${audience}.graphql is stale: run npm run schema:print`).toBe(printAudienceSchema(audience));
  });

  // What an app's docs explorer and generated comments show: the README says every type and field has one.
  it('describes every type, field and argument an app can use', () => {
    const missing: string[] = [];
    for (const audience of AUDIENCES) {
      const schema = buildSchema(printAudienceSchema(audience));
      for (const type of Object.values(schema.getTypeMap())) {
        if (type.name.startsWith('__') || ['String', 'Int', 'Float', 'Boolean', 'ID'].includes(type.name)) continue;
        if (!type.description) missing.push(`${audience}: ${type.name}`);
        if (!('getFields' in type)) continue;
        for (const field of Object.values(type.getFields())) {
          if (!field.description) missing.push(`${audience}: ${type.name}.${field.name}`);
          for (const arg of 'args' in field ? field.args : []) if (!arg.description) missing.push(`${audience}: ${type.name}.${field.name}(${arg.name})`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('leaves the server-only cost directives out', () => {
    for (const audience of AUDIENCES) {
      expect(printAudienceSchema(audience)).not.toMatch(/@cost|@listSize/);
    }
  });

  describe('against the running gateway', () => {
    let gateway: Gateway;
    beforeAll(async () => {
      gateway = await startTestGateway();
    });
    afterAll(() => gateway?.close());

    it.each(AUDIENCES)('%s: matches what introspection of the served schema tells a client', async (audience) => {
      const { body } = await gql<IntrospectionQuery>(gateway, audience, getIntrospectionQuery({ descriptions: true }));
      expect(body.errors).toBeUndefined();
      const served = canonical(buildClientSchema(body.data!));
      expect(canonical(buildSchema(printAudienceSchema(audience)))).toBe(served);
    });
  });
});
