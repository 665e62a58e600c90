import type { ApolloServerPlugin } from '@apollo/server';
import { TypeInfo } from 'graphql';
import { getArgumentValues, getVariableValues } from 'graphql';
import type { Context } from '../context.js';
import { ErrorCode, gatewayError } from '../errors.js';
import { walkOperation } from '../graphql/operation-walk.js';
import { MAX_PAGE_SIZE, MIN_PAGE_SIZE } from '../pagination.js';

/**
 * Rejects, before anything executes, any `first:` outside the contract's
 * 1–100 — literal, variable or default — with HTTP 400 BAD_USER_INPUT.
 */
export function pageSizePlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, schema, request }) {
          if (!operation) return;
          const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], request.variables ?? {});
          if (coerced.errors) return; // execution reports the coercion errors itself
          const typeInfo = new TypeInfo(schema);
          walkOperation(document, operation, typeInfo, {
            Field(node) {
              const field = typeInfo.getFieldDef();
              if (!field?.args.some((arg) => arg.name === 'first')) return;
              const { first } = getArgumentValues(field, node, coerced.coerced);
              if (first === undefined || first === null) return;
              if (typeof first !== 'number' || first < MIN_PAGE_SIZE || first > MAX_PAGE_SIZE) {
                throw gatewayError(
                  ErrorCode.BAD_USER_INPUT,
                  `\`first\` on \`${field.name}\` must be between ${MIN_PAGE_SIZE} and ${MAX_PAGE_SIZE}.`,
                  { status: 400, extensions: { field: `${field.name}.first` } },
                );
              }
            },
          });
        },
      };
    },
  };
}
