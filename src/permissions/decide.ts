import type { GraphQLResolveInfo } from 'graphql';
import { deny } from 'graphql-shield';
import type { Context } from '../context.js';
import { denied } from './denial.js';
import { nameOf } from './rule-name.js';
import type { ShieldRule } from './rules.js';

/** A rule's answer for one object or request: pass, or the error to answer the field with. */
export type Verdict = true | Error;

type RuleResult = boolean | string | Error;
type RuleFunction = (parent: never, args: never, ctx: Context, info: GraphQLResolveInfo) => RuleResult | Promise<RuleResult>;
type KeyFunction = (parent: never, args: never, ctx: Context) => string;

interface Decidable {
  name: string;
  /** What decides the rule within one request: the same key, the same verdict. */
  key: KeyFunction;
  run: RuleFunction;
}

/** Rules whose verdict is remembered per request, by the key that decides them (see `decidedBy`). */
const decidables = new WeakMap<ShieldRule, Decidable>();

/**
 * Registers how a shield rule is decided, so the gateway can remember its
 * verdict per request and answer repeated checks synchronously (a cached
 * decision costs a Map look-up, not a promise per field).
 */
export function decidedBy<R extends ShieldRule>(rule: R, key: KeyFunction, run: RuleFunction): R {
  decidables.set(rule, { name: nameOf(rule), key, run });
  return rule;
}

const DECISIONS = Symbol('permission decisions');
interface DecisionHolder {
  [DECISIONS]?: Map<string, Verdict | Promise<Verdict>>;
  /** graphql-shield's own per-request cache, used by logic rules (`chain`, `race`, …) evaluated through shield. */
  _shield?: { cache: Record<string, unknown> };
}

/** Shield's options for the rules evaluated through it (logic rules): never throws, denials keep our codes. */
const SHIELD_EVALUATION = {
  debug: false,
  allowExternalErrors: true,
  fallbackRule: deny,
  hashFunction: ({ parent, args }: { parent: unknown; args: unknown }) => JSON.stringify([parent, args]),
};

function toVerdict(result: RuleResult, ctx: Context): Verdict {
  if (result === true) return true;
  if (result instanceof Error) return result;
  if (typeof result === 'string') return denied(ctx, result);
  return denied(ctx);
}

const isPromise = <T>(value: unknown): value is Promise<T> => typeof (value as Promise<T> | null)?.then === 'function';

/**
 * The verdict of `rule` for this field: synchronous when the rule is
 * registered with `decidedBy` and answers synchronously (or was decided
 * earlier in this request for the same key), otherwise a promise. Rules
 * never throw by contract; a throw is a denial, as in graphql-shield.
 */
export function decide(rule: ShieldRule, parent: unknown, args: unknown, ctx: Context, info: GraphQLResolveInfo): Verdict | Promise<Verdict> {
  const decidable = decidables.get(rule);
  if (!decidable) {
    const holder = ctx as DecisionHolder;
    holder._shield ??= { cache: {} };
    return rule
      .resolve(parent as object, args as object, ctx as never, info, SHIELD_EVALUATION)
      .then((result) => toVerdict(result, ctx), () => denied(ctx));
  }
  const holder = ctx as DecisionHolder;
  const decisions = (holder[DECISIONS] ??= new Map());
  const key = `${decidable.name}\u0000${decidable.key(parent as never, args as never, ctx)}`;
  const known = decisions.get(key);
  if (known !== undefined) return known;
  let verdict: Verdict | Promise<Verdict>;
  try {
    const result = decidable.run(parent as never, args as never, ctx, info);
    verdict = isPromise<RuleResult>(result)
      ? result.then((r) => {
          const settled = toVerdict(r, ctx);
          decisions.set(key, settled);
          return settled;
        }, () => denied(ctx))
      : toVerdict(result, ctx);
  } catch {
    verdict = denied(ctx);
  }
  decisions.set(key, verdict);
  return verdict;
}

export { isPromise };
