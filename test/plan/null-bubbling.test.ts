/**
 * HOSTILE-INPUTS #41, a non-null child failing: the field is null at its
 * nearest nullable parent, with one error at the failing field's path — on
 * the compiled executor (graphql-jit) exactly as on graphql-js. The contract's
 * upstream-backed fields are nullable, so no field of the real schemas fails
 * under a non-null type today; this small schema makes one that does, so a
 * change of engine or of error handling cannot break the rule unseen.
 */
import type { GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { execute, getOperationAST, GraphQLError, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { buildCostModel } from '../../src/cost/model.js';
import { planGateway } from '../../src/plan/plan-gateway.js';
import { createPlanner, documentHash } from '../../src/plan/planner.js';

const failing = () => {
  throw new GraphQLError('The products service did not answer.', { extensions: { code: 'UPSTREAM_UNAVAILABLE' } });
};

const schema = makeExecutableSchema({
  typeDefs: /* GraphQL */ `
    directive @listSize(assumedSize: Int) on FIELD_DEFINITION
    type Query { product(id: ID!): Product, products: [Product] @listSize(assumedSize: 3), strictProducts: [Product!] @listSize(assumedSize: 3) }
    type Product { id: ID!, name: String!, detail: Detail }
    type Detail { label: String!, note: String }
  `,
  resolvers: {
    Query: {
      product: (_: unknown, { id }: { id: string }) => ({ id }),
      products: () => [{ id: 'p1' }, { id: 'bad' }, { id: 'p3' }],
      strictProducts: () => [{ id: 'p1' }, { id: 'bad' }, { id: 'p3' }],
    },
    Product: {
      name: ({ id }: { id: string }) => (id === 'bad' ? failing() : `Product ${id}`),
      detail: ({ id }: { id: string }) => ({ id }),
    },
    Detail: { label: ({ id }: { id: string }) => (id === 'bad' ? Promise.reject(new GraphQLError('late failure', { extensions: { code: 'UPSTREAM_TIMEOUT' } })) : id), note: () => 'kept' },
  },
});

const executors: string[] = [];
const planner = createPlanner({ schema, model: buildCostModel(schema), onPlan: (executor) => executors.push(executor) });
const { executor } = await planGateway(schema, planner).load({ apollo: {} } as never);

/** The operation run by the gateway's compiled executor and by graphql-js; both results, as JSON. */
async function bothEngines(text: string) {
  const document = parse(text);
  // As Apollo calls it: with the operation it resolved from the document.
  const compiled = await executor!({ document, operation: getOperationAST(document), queryHash: documentHash(text), operationName: undefined, request: { variables: {} }, context: {} } as unknown as GatewayGraphQLRequestContext);
  const reference = await execute({ schema, document, contextValue: {} });
  const shape = (result: { data?: unknown; errors?: readonly GraphQLError[] | undefined }) => ({
    data: result.data,
    errors: (result.errors ?? []).map((error) => ({ path: error.path, message: error.message, code: error.extensions?.['code'] })),
  });
  // The gateway's executor really ran graphql-jit's compiled function, not its graphql-js fallback.
  expect(executors.at(-1)).toBe('jit');
  return { compiled: shape(compiled), reference: shape(reference) };
}

describe('A non-null field that fails (HOSTILE-INPUTS #41)', () => {
  it('nulls its nearest nullable parent, with one error at the failing field', async () => {
    const { compiled, reference } = await bothEngines('{ product(id: "bad") { id name } }');
    expect(compiled).toEqual({ data: { product: null }, errors: [{ path: ['product', 'name'], message: 'The products service did not answer.', code: 'UPSTREAM_UNAVAILABLE' }] });
    expect(compiled).toEqual(reference);
  });

  it('nulls only the failing item of a list of nullable items', async () => {
    const { compiled, reference } = await bothEngines('{ products { id name } }');
    expect(compiled.data).toEqual({ products: [{ id: 'p1', name: 'Product p1' }, null, { id: 'p3', name: 'Product p3' }] });
    expect(compiled.errors).toEqual([{ path: ['products', 1, 'name'], message: 'The products service did not answer.', code: 'UPSTREAM_UNAVAILABLE' }]);
    expect(compiled).toEqual(reference);
  });

  it('nulls the whole list when its items are non-null, still with one error', async () => {
    const { compiled, reference } = await bothEngines('{ strictProducts { id name } }');
    expect(compiled.data).toEqual({ strictProducts: null });
    expect(compiled.errors).toHaveLength(1);
    expect(compiled.errors[0]!.path).toEqual(['strictProducts', 1, 'name']);
    expect(compiled).toEqual(reference);
  });

  it('stops at a nullable object between: a rejected non-null field nulls that object, its siblings stay', async () => {
    const { compiled, reference } = await bothEngines('{ product(id: "bad") { id detail { label note } } ok: product(id: "p2") { id detail { label note } } }');
    expect(compiled.data).toEqual({ product: { id: 'bad', detail: null }, ok: { id: 'p2', detail: { label: 'p2', note: 'kept' } } });
    expect(compiled.errors).toEqual([{ path: ['product', 'detail', 'label'], message: 'late failure', code: 'UPSTREAM_TIMEOUT' }]);
    expect(compiled).toEqual(reference);
  });
});
