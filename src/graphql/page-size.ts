import { getArgumentValues, TypeInfo, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { ErrorCode, gatewayError } from '../errors.js';
import { MAX_PAGE_SIZE, MIN_PAGE_SIZE } from '../pagination.js';
import { walkOperation } from './operation-walk.js';

/**
 * Throws HTTP 400 BAD_USER_INPUT, before anything executes or is priced, for
 * any `first:` outside the contract's 1–100 in the operation — literal,
 * variable or default.
 */
export function checkPageSizes(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
): void {
  const typeInfo = new TypeInfo(schema);
  walkOperation(document, operation, typeInfo, {
    Field(node) {
      const field = typeInfo.getFieldDef();
      if (!field?.args.some((arg) => arg.name === 'first')) return;
      const { first } = getArgumentValues(field, node, variables);
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
}
