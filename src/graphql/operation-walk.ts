import {
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type ASTVisitor,
  type DocumentNode,
  type OperationDefinitionNode,
} from 'graphql';

/**
 * Visits the chosen operation and the document's fragment definitions with
 * type information: each fragment definition once, whatever the number of
 * spreads, so the work is linear in the document's size.
 */
export function walkOperation(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  typeInfo: TypeInfo,
  visitor: ASTVisitor,
): void {
  const withTypes = visitWithTypeInfo(typeInfo, visitor);
  visit(operation, withTypes);
  for (const definition of document.definitions) {
    if (definition.kind === 'FragmentDefinition') visit(definition, withTypes);
  }
}
