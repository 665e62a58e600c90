/**
 * What an audit line says about a mutation: which root fields it called and,
 * for `placeOrder`, the idempotency key it used (read from the document with
 * this request's variables, so it is logged even when validation of the input
 * later fails).
 */
import { Kind, valueFromASTUntyped, type DocumentNode, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';

export interface AuditedField {
  field: string;
  idempotencyKey?: string;
}

/** Keys are client input: bounded in the log like everywhere else (the contract allows 8–128 characters). */
const MAX_KEY_LENGTH = 128;

function idempotencyKeyOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const key = (value as Record<string, unknown>)['idempotencyKey'];
  return typeof key === 'string' ? key.slice(0, MAX_KEY_LENGTH) : undefined;
}

/** The root fields of `operation` (through fragments), each with the `input.idempotencyKey` it carries, if any. */
export function auditedFields(
  document: DocumentNode | undefined,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | undefined,
): AuditedField[] {
  const fragments = new Map(
    (document?.definitions ?? []).flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d.selectionSet] as const] : [])),
  );
  const fields: AuditedField[] = [];
  const visited = new Set<string>();
  const walk = (selectionSet: SelectionSetNode) => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) walk(selection.selectionSet);
      else if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(selection.name.value);
        // A fragment cycle is a validation error, but this runs even for invalid documents.
        if (fragment && !visited.has(selection.name.value)) {
          visited.add(selection.name.value);
          walk(fragment);
        }
      } else {
        const input = selection.arguments?.find((a) => a.name.value === 'input');
        const key = input ? idempotencyKeyOf(valueFromASTUntyped(input.value, variables)) : undefined;
        fields.push({ field: selection.name.value, ...(key === undefined ? {} : { idempotencyKey: key }) });
      }
    }
  };
  walk(operation.selectionSet);
  return fields;
}
