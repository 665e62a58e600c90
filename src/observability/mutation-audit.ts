/**
 * What an audit line says about a mutation: which root fields it called and,
 * for `placeOrder`, the idempotency key it used (read from the document with
 * this request's variables, so it is logged even when validation of the input
 * later fails), and what became of each field's write.
 */
import { Kind, valueFromASTUntyped, type DocumentNode, type FormattedExecutionResult, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';

export interface AuditedField {
  field: string;
  /** The field's key in `data`: its alias, else its name. */
  responseKey: string;
  idempotencyKey?: string;
}

/**
 * What became of one root field's write: `ok` when its resolver returned (the
 * write was done, even if a read after it failed and nulled part of its
 * payload), `failed` when its resolver threw (refused, or not confirmed: a
 * timeout may still have been processed), `not_run` when it never ran (a dry
 * run, or skipped by `@skip`/`@include`).
 */
export type WriteOutcome = 'ok' | 'failed' | 'not_run';

export interface AuditedWrite {
  field: string;
  /** Only when the field was aliased. */
  alias?: string;
  idempotencyKey?: string;
  outcome: WriteOutcome;
  /** The code of the field's own error, when it failed. */
  errorCode?: string;
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
  const responseKeys = new Set<string>();
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
        const responseKey = selection.alias?.value ?? selection.name.value;
        // Selections under one response key are one execution of the field (GraphQL spec, CollectFields).
        if (responseKeys.has(responseKey)) continue;
        responseKeys.add(responseKey);
        const input = selection.arguments?.find((a) => a.name.value === 'input');
        const key = input ? idempotencyKeyOf(valueFromASTUntyped(input.value, variables)) : undefined;
        fields.push({ field: selection.name.value, responseKey, ...(key === undefined ? {} : { idempotencyKey: key }) });
      }
    }
  };
  walk(operation.selectionSet);
  return fields;
}

/**
 * Each root field's write as `result` shows it. A field's own error (its path
 * is the field alone) means its resolver threw; an error deeper in its payload
 * is a read after the write, which the write survived. No `data` at all: the
 * operation never ran (refused before execution: `failed`; a dry run: `not_run`).
 */
export function auditedWrites(fields: readonly AuditedField[], result: FormattedExecutionResult | undefined): AuditedWrite[] {
  const data = result?.data;
  const errors = result?.errors ?? [];
  return fields.map(({ field, responseKey, idempotencyKey }) => {
    const own = errors.find((e) => e.path?.length === 1 && e.path[0] === responseKey);
    let outcome: WriteOutcome;
    if (data === undefined || data === null) outcome = errors.length > 0 ? 'failed' : 'not_run';
    else if (own) outcome = 'failed';
    // Absent from the answer (graphql-jit leaves a skipped field's key holding `undefined`): never ran.
    else outcome = data[responseKey] === undefined ? 'not_run' : 'ok';
    const code = own?.extensions?.['code'];
    return {
      field,
      ...(responseKey === field ? {} : { alias: responseKey }),
      ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
      outcome,
      ...(outcome === 'failed' && typeof code === 'string' ? { errorCode: code } : {}),
    };
  });
}

/** The mutation as a whole: `ok` when every write that ran was done, `failed` when none was, `partial` between; `not_run` when none ran. */
export function auditOutcome(writes: readonly AuditedWrite[], hasErrors: boolean): 'ok' | 'partial' | 'failed' | 'not_run' {
  const done = writes.filter((w) => w.outcome === 'ok').length;
  const failed = writes.filter((w) => w.outcome === 'failed').length;
  if (done === 0) return failed > 0 || hasErrors ? 'failed' : 'not_run';
  return failed > 0 ? 'partial' : 'ok';
}
