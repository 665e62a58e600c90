import type { GatewayExecutor, GatewayInterface } from '@apollo/server-gateway-interface';
import { execute, GraphQLError, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
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
    // No operation matched (an `operationName` the document does not define): graphql-js's own error, which Apollo
    // answers 400. Without it, a document with one anonymous operation ran regardless (the resolved name is null),
    // and Apollo, finding no operation but no error either, answered 500.
    if (!(request.operation as OperationDefinitionNode | undefined)) {
      const requested = request.request.operationName;
      return {
        errors: [
          new GraphQLError(requested ? `Unknown operation named "${requested}".` : 'Must provide operation name if query contains multiple operations.'),
        ],
      };
    }
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
