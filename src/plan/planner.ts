import { createHash } from 'node:crypto';
import { getOperationAST, parse, specifiedRules, validate, type DocumentNode, type ValidationRule } from 'graphql';
import { planOperation, type OperationPlan, type PlanExecutor, type PlanOptions } from './operation-plan.js';

/** Distinct operations kept compiled per audience; the least recently used beyond this is dropped. */
export const DEFAULT_MAX_PLANS = 500;

export interface PlannerOptions extends PlanOptions {
  /** Bound on the cache; `DEFAULT_MAX_PLANS` unless given. */
  maxPlans?: number;
  /** Told of every plan made (its executor, and why graphql-js when it is not jit). */
  onPlan?(executor: PlanExecutor, fallbackReason: string | undefined): void;
}

/** The operation plans of one audience's schema, in a bounded LRU keyed by the document's hash and the operation. */
export interface Planner {
  /** The plan for `operationName` (null: the document's only operation) of a parsed, validated document. */
  plan(document: DocumentNode, queryHash: string, operationName: string | null | undefined): OperationPlan | null;
  /**
   * Parses, validates and plans each document ahead of traffic (an app's
   * trusted documents at start-up). A document that does not validate is an
   * error: the manifest and the schema disagree.
   */
  warm(documents: Iterable<string>, rules?: readonly ValidationRule[]): void;
  /** Plans held now. */
  readonly size: number;
  /** Plans made since start (cache misses). */
  readonly compiled: number;
}

/** Apollo's query hash: the SHA-256 of the document text, hex (so a warmed plan is found by Apollo's key). */
export function documentHash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A planner over one schema; see `Planner`. */
export function createPlanner(options: PlannerOptions): Planner {
  const max = options.maxPlans ?? DEFAULT_MAX_PLANS;
  const plans = new Map<string, OperationPlan>();
  let compiled = 0;

  const plan = (document: DocumentNode, queryHash: string, operationName: string | null | undefined): OperationPlan | null => {
    const key = operationName ? `${queryHash}:${operationName}` : queryHash;
    const hit = plans.get(key);
    if (hit) {
      // The same text (another parse of it, after warm-up or an eviction from Apollo's document store, plans the same).
      // Most recently used goes last: Map iteration order is insertion order.
      plans.delete(key);
      plans.set(key, hit);
      return hit;
    }
    const operation = getOperationAST(document, operationName ?? undefined);
    if (!operation) return null;
    const made = planOperation(options, document, operation);
    compiled += 1;
    options.onPlan?.(made.executor, made.fallbackReason);
    plans.set(key, made);
    if (plans.size > max) plans.delete(plans.keys().next().value!);
    return made;
  };

  return {
    plan,
    warm(documents, rules = []) {
      for (const text of documents) {
        const document = parse(text);
        const errors = validate(options.schema, document, [...specifiedRules, ...rules]);
        if (errors.length > 0) throw new Error(`A trusted document does not validate: ${errors.map((e) => e.message).join('; ')}`);
        const hash = documentHash(text);
        const names = document.definitions.flatMap((d) => (d.kind === 'OperationDefinition' && d.name ? [d.name.value] : []));
        for (const name of names.length > 0 ? names : [undefined]) plan(document, hash, name);
      }
    },
    get size() {
      return plans.size;
    },
    get compiled() {
      return compiled;
    },
  };
}
