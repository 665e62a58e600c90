import type { DocumentNode, GraphQLError } from 'graphql';
import type { OperationPlan } from './operation-plan.js';
import type { Planner } from './planner.js';

/** One request's plan and its coerced variables, or the coercion errors (answered 400 BAD_USER_INPUT). */
export type PlannedRequest =
  | { plan: OperationPlan; variables: Record<string, unknown>; errors?: undefined }
  | { plan: OperationPlan; variables?: undefined; errors: readonly GraphQLError[] };

export interface RequestOperation {
  document: DocumentNode;
  queryHash: string;
  operationName: string | null | undefined;
  variables: Record<string, unknown> | undefined;
}

const planned = new WeakMap<object, PlannedRequest | null>();

/**
 * The plan of this request's operation with its variables coerced, worked
 * out once per request (the cost plugin asks before execution, the executor
 * at it, the cost plugin again after it). Keyed by the request's context
 * object, which Apollo hands to every stage. Null when there is no operation.
 */
export function planRequest(planner: Planner, context: object, request: RequestOperation): PlannedRequest | null {
  const known = planned.get(context);
  if (known !== undefined) return known;
  const plan = planner.plan(request.document, request.queryHash, request.operationName);
  let result: PlannedRequest | null = null;
  if (plan) {
    const coerced = plan.coerce(request.variables);
    result = coerced.ok ? { plan, variables: coerced.variables } : { plan, errors: coerced.errors };
  }
  planned.set(context, result);
  return result;
}
