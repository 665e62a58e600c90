import {
  getVariableValues,
  GraphQLError,
  Kind,
  visit,
  BREAK,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type VariableDefinitionNode,
} from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { actualCost, createActualCostCache, type ActualCostCache } from '../cost/actual.js';
import type { CostModel } from '../cost/model.js';
import { estimateCost } from '../cost/price.js';
import { badUserInput } from '../errors.js';

/** Which engine runs a plan's operation. */
export type PlanExecutor = 'jit' | 'graphql-js';

/** Priced estimates kept per plan, by variables; beyond this the memo starts afresh. */
const MAX_ESTIMATES_PER_PLAN = 256;
/**
 * Characters of variables (as JSON) those estimates are kept under, per plan: anyone may send a 90 KB string (a
 * cursor, a search) that never changes a price, and 256 of them for each of 500 plans would hold gigabytes.
 */
const MAX_ESTIMATE_KEY_CHARS_PER_PLAN = 64 * 1024;

/** Coercion errors reported per request (graphql-js's `execute` stops at 50): each repeats its variable's whole value. */
const MAX_VARIABLE_ERRORS = 10;
/**
 * Values (object entries and list items, at any depth) a declared variable may hold: far more than any input here
 * (an order has at most 50 lines), and few enough that printing the value into an error stays cheap.
 */
const MAX_VARIABLE_VALUES = 1_000;

/** Characters of one coercion error's message kept whole; graphql-js puts the whole invalid value in it. */
const MAX_VARIABLE_ERROR_CHARS = 1_000;

/** `error` with a message of at most about MAX_VARIABLE_ERROR_CHARS: the start of the quoted value, then the reason. */
function boundedMessage(error: GraphQLError): GraphQLError {
  if (error.message.length <= MAX_VARIABLE_ERROR_CHARS) return error;
  const half = MAX_VARIABLE_ERROR_CHARS / 2;
  const reason = error.originalError?.message;
  const message = `${error.message.slice(0, half)}…${reason ? `; ${reason.slice(0, half)}` : ''}`;
  return new GraphQLError(message, { nodes: error.nodes ?? null, originalError: error.originalError ?? null, extensions: error.extensions });
}

/** Whether `value` holds more than `limit` values (object entries and list items, at any depth); stops counting past it. */
function holdsMoreThan(value: unknown, limit: number): boolean {
  let count = 0;
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (next === null || typeof next !== 'object') continue;
    const children = Array.isArray(next) ? (next as unknown[]) : Object.values(next);
    count += children.length;
    if (count > limit) return true;
    for (const child of children) pending.push(child);
  }
  return false;
}

/**
 * graphql-js's coercion (its rules and messages), bounded: it prints the variable's whole value into every error, so
 * one error per unknown field of a 15 KB input made a 30 MB answer, and a 100 KB one held the process for minutes.
 */
function coerceVariables(schema: GraphQLSchema, definitions: readonly VariableDefinitionNode[], raw: Record<string, unknown>): CoercedVariables {
  for (const definition of definitions) {
    const name = definition.variable.name.value;
    const value = raw[name];
    // A scalar (the usual id, cursor or count) holds no values: nothing to count.
    if (typeof value === 'object' && value !== null && Object.hasOwn(raw, name) && holdsMoreThan(value, MAX_VARIABLE_VALUES)) {
      return { ok: false, errors: [badUserInput(`Variable "$${name}" holds more than ${MAX_VARIABLE_VALUES} values.`)] };
    }
  }
  const result = getVariableValues(schema, definitions, raw, { maxErrors: MAX_VARIABLE_ERRORS });
  if (!result.errors) return { ok: true, variables: result.coerced };
  const listed = result.errors.slice(0, MAX_VARIABLE_ERRORS).map(boundedMessage);
  if (result.errors.length <= MAX_VARIABLE_ERRORS) return { ok: false, errors: listed };
  // graphql-js ends a capped list with an error of its own that has no code (it would be masked as a 500).
  const more = badUserInput(`More variable values are invalid: the first ${MAX_VARIABLE_ERRORS} are listed.`);
  return { ok: false, errors: [...listed, more] };
}

/** Variables coerced against the operation's definitions (graphql-js's rules and messages), or why not. */
export type CoercedVariables = { ok: true; variables: Record<string, unknown> } | { ok: false; errors: readonly GraphQLError[] };

/**
 * Everything about one operation of one document that does not depend on a
 * request's variables or credentials, worked out once: the operation and its
 * fragments, the root type, the executor (graphql-jit compiled, or graphql-js
 * where jit cannot run it), the cost estimate memoised per variables, and what
 * the actual-cost pass needs from the document.
 */
export interface OperationPlan {
  readonly document: DocumentNode;
  readonly operation: OperationDefinitionNode;
  readonly root: GraphQLObjectType | null;
  readonly executor: PlanExecutor;
  /** Why graphql-js runs this plan, when it does. */
  readonly fallbackReason: string | undefined;
  /** The compiled operation, when `executor` is `jit`. */
  readonly compiled: CompiledQuery | null;
  /** The request's variables coerced as graphql-js does (its errors are the contract's 400 BAD_USER_INPUT). */
  coerce(raw: Record<string, unknown> | undefined): CoercedVariables;
  /** The IBM-spec estimate with these coerced variables; throws the pricing errors (`first` out of range, too complex). */
  estimate(variables: Record<string, unknown>): number;
  /** The actual cost of `data`, in one pass, from the plan's per-document work. */
  actual(variables: Record<string, unknown>, data: unknown): number;
}

export interface PlanOptions {
  schema: GraphQLSchema;
  model: CostModel;
  /** `graphql-js`: never compile (the operator's escape hatch, and the reference in tests). Default `jit`. */
  engine?: PlanExecutor;
  /** The compiler; tests swap it to exercise the fallback. */
  compile?: typeof compileQuery;
}

/** Introspection runs on graphql-js: rare, uncached by clients anyway, and outside what jit is tested for here. */
function readsIntrospection(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Field(node) {
      if (node.name.value === '__schema' || node.name.value === '__type') {
        found = true;
        return BREAK;
      }
      return undefined;
    },
  });
  return found;
}

/**
 * Which `@skip`/`@include` a document carries: `none`, `constant` ones only, or `variable` (some condition reads a
 * variable: then the fields an operation collects depend on the request).
 *
 * A document with any runs on graphql-js: graphql-jit 0.8 decides them otherwise than the GraphQL spec
 * (§6.3.2 CollectFields) and graphql-js: it marks a fragment visited before reading its spread's condition
 * (`...F @skip(if: true) ...F` leaves F out), and keeps one condition per field node for every place a fragment
 * is spread (F left out under a false condition once is left out everywhere); it also orders some fields
 * otherwise. Its answers then lacked fields that the estimate priced and the resolvers' lookahead (which reads
 * the spec's rules) had already fetched: upstream work that the actual cost, measured from the answer, refunded.
 */
function conditionsIn(document: DocumentNode): 'none' | 'constant' | 'variable' {
  let found: 'none' | 'constant' | 'variable' = 'none';
  visit(document, {
    Directive(node) {
      if (node.name.value !== 'skip' && node.name.value !== 'include') return undefined;
      if (!node.arguments?.some((a) => a.value.kind === Kind.VARIABLE)) {
        found = 'constant';
        return undefined;
      }
      found = 'variable';
      return BREAK;
    },
  });
  return found;
}

function rootOf(schema: GraphQLSchema, operation: OperationDefinitionNode): GraphQLObjectType | null {
  switch (operation.operation) {
    case 'query':
      return schema.getQueryType() ?? null;
    case 'mutation':
      return schema.getMutationType() ?? null;
    default:
      return schema.getSubscriptionType() ?? null;
  }
}

/**
 * Plans `operation` of an already validated `document`. Compilation failures
 * are not errors: graphql-js runs the document instead, and `fallbackReason`
 * says why (the planner counts it).
 */
export function planOperation(options: PlanOptions, document: DocumentNode, operation: OperationDefinitionNode): OperationPlan {
  const { schema, model } = options;
  const compile = options.compile ?? compileQuery;
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
  const root = rootOf(schema, operation);
  const definitions = operation.variableDefinitions ?? [];
  const conditions = conditionsIn(document);

  let compiled: CompiledQuery | null = null;
  let fallbackReason: string | undefined;
  if (options.engine === 'graphql-js') {
    fallbackReason = 'configured';
  } else if (readsIntrospection(document)) {
    fallbackReason = 'introspection';
  } else if (conditions !== 'none') {
    fallbackReason = 'conditions';
  } else {
    try {
      const result = compile(schema, document, operation.name?.value);
      if (isCompiledQuery(result)) compiled = result;
      else fallbackReason = result.errors?.[0]?.message ?? 'graphql-jit could not compile the operation';
    } catch (error) {
      fallbackReason = error instanceof Error ? error.message : String(error);
    }
  }

  const estimates = new Map<string, number>();
  let estimateKeyChars = 0;
  // Shared by every request unless the collected fields depend on variables.
  const costCache: ActualCostCache | null = conditions === 'variable' ? null : createActualCostCache();
  const scopeFor = (variables: Record<string, unknown>) => ({ schema, fragments, variables, model });

  return {
    document,
    operation,
    root,
    executor: compiled ? 'jit' : 'graphql-js',
    fallbackReason,
    compiled,
    coerce(raw) {
      if (definitions.length === 0) return { ok: true, variables: {} };
      return coerceVariables(schema, definitions, raw ?? {});
    },
    estimate(variables) {
      if (!root) return 0;
      const key = definitions.length === 0 ? '' : JSON.stringify(variables);
      const hit = estimates.get(key);
      if (hit !== undefined) return hit;
      const cost = estimateCost(scopeFor(variables), root, operation.selectionSet);
      // Variables longer than the whole budget are priced afresh each time, never kept.
      if (key.length > MAX_ESTIMATE_KEY_CHARS_PER_PLAN) return cost;
      if (estimates.size >= MAX_ESTIMATES_PER_PLAN || estimateKeyChars + key.length > MAX_ESTIMATE_KEY_CHARS_PER_PLAN) {
        estimates.clear();
        estimateKeyChars = 0;
      }
      estimates.set(key, cost);
      estimateKeyChars += key.length;
      return cost;
    },
    actual(variables, data) {
      if (!root) return 0;
      return actualCost(scopeFor(variables), root, operation.selectionSet, data, costCache ?? createActualCostCache());
    },
  };
}
