import type { GatewayExecutor, GatewayInterface } from '@apollo/server-gateway-interface';
import { execute, type GraphQLSchema } from 'graphql';
import { asGraphQLJsError } from './jit-errors.js';
import type { Planner } from './planner.js';
import { planRequest } from './request-plan.js';

/**
 * Apollo Server's supported seam for a custom executor: a "gateway" that
 * hands Apollo the schema (for parsing, validation, introspection and the
 * document store) and runs each validated operation through its plan —
 * graphql-jit's compiled function, or graphql-js where the plan says so.
 * Apollo's HTTP handling, plugins and error formatting stay as they are.
 * Variable coercion errors are graphql-js's own objects, so Apollo answers
 * them with 400 BAD_USER_INPUT exactly as before.
 */
export function planGateway(schema: GraphQLSchema, planner: Planner): GatewayInterface {
  const executor: GatewayExecutor = async (request) => {
    const planned = planRequest(planner, request.context, {
      document: request.document,
      queryHash: request.queryHash,
      operationName: request.operationName,
      variables: request.request.variables,
    });
    if (planned?.errors) return { errors: planned.errors };
    if (!planned?.plan.compiled) {
      return execute({
        schema,
        document: request.document,
        operationName: request.operationName,
        variableValues: request.request.variables ?? null,
        contextValue: request.context,
      });
    }
    // jit coerces the raw variables again with its compiled coercer: graphql-js has already accepted them.
    const result = await planned.plan.compiled.query(undefined, request.context, request.request.variables ?? {});
    return result.errors ? { ...result, errors: result.errors.map(asGraphQLJsError) } : result;
  };
  return {
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: '' });
      return () => undefined;
    },
    load: async () => ({ executor }),
    stop: async () => undefined,
  };
}
