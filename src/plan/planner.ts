import { createHash } from 'node:crypto';
import { getOperationAST, parse, specifiedRules, validate, type DocumentNode, type ValidationRule } from 'graphql';
import { BoundedMap } from '../../clients/bounded-map.js';
import { oldSpaceLimitBytes } from '../../clients/heap-limit.js';
import { planOperation, type OperationPlan, type PlanExecutor, type PlanOptions } from './operation-plan.js';

/** Distinct operations kept compiled per audience; the least recently used beyond this is dropped. */
export const DEFAULT_MAX_PLANS = 500;

/**
 * The document text (characters) the plans of one audience, and Apollo's parsed documents of it, may hold
 * together: at most 16 MiB, and a sixty-fourth of the old space's limit. A count alone bounds nothing when a
 * document may be as large as a request body: 500 distinct documents of 100 KB (a long operation name is
 * one token), which an anonymous caller may send, held several times their 50 MB of text and ran a 128 MB
 * heap out of memory.
 */
export const DEFAULT_MAX_DOCUMENT_TEXT = Math.min(16 * 1024 * 1024, Math.floor(oldSpaceLimitBytes() / 64));

/** The length of the text `document` was parsed from (0 for a document built without one). */
export function documentTextLength(document: DocumentNode): number {
  return document.loc?.source.body.length ?? 0;
}

export interface PlannerOptions extends PlanOptions {
  /** Bound on the cache; `DEFAULT_MAX_PLANS` unless given. */
  maxPlans?: number;
  /** Bound on the summed text of the plans' documents; `DEFAULT_MAX_DOCUMENT_TEXT` unless given. */
  maxDocumentText?: number;
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
  // Least recently used dropped first, by count and by the text the plans' documents hold.
  const plans = new BoundedMap<string, OperationPlan>(
    options.maxPlans ?? DEFAULT_MAX_PLANS,
    options.maxDocumentText ?? DEFAULT_MAX_DOCUMENT_TEXT,
    (held) => documentTextLength(held.document),
  );
  let compiled = 0;

  const plan = (document: DocumentNode, queryHash: string, operationName: string | null | undefined): OperationPlan | null => {
    const key = operationName ? `${queryHash}:${operationName}` : queryHash;
    // The same text (another parse of it, after warm-up or an eviction from Apollo's document store, plans the same).
    const hit = plans.get(key);
    if (hit) return hit;
    const operation = getOperationAST(document, operationName ?? undefined);
    if (!operation) return null;
    const made = planOperation(options, document, operation);
    compiled += 1;
    options.onPlan?.(made.executor, made.fallbackReason);
    plans.set(key, made);
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
