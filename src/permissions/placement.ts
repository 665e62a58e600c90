import { rule } from 'graphql-shield';
import { forbidden } from '../errors.js';
import { nameOf } from './rule-name.js';
import type { ShieldRule } from './rules.js';

/**
 * Where a type's protection lives, for types whose fields need no check of
 * their own (src/permissions/guard-schema.ts enforces both at start-up):
 *
 * - `owned`: the type's objects name an owner. The owner rule runs once per
 *   object on every field that returns one (the object's way into the
 *   response), never on the object's own fields.
 * - `inside`: the type is reachable only through fields that already passed
 *   `guard` (a field whose rule is or chains `guard`, or a field of a type
 *   owned by or inside `guard`). A schema offering another way in fails to start.
 */
export type Placement = { kind: 'owned'; owner: ShieldRule } | { kind: 'inside'; guard: ShieldRule };

const placements = new WeakMap<ShieldRule, Placement>();
const markers = new Map<string, ShieldRule>();

/**
 * A marker in the rule tree standing for a placement. It is never evaluated
 * as a rule; if something did evaluate it, it denies (fails closed).
 */
function marker(placement: Placement, guardName: string): ShieldRule {
  const name = `${placement.kind}:${guardName}`;
  let found = markers.get(name);
  if (!found) {
    found = rule(name, { cache: 'contextual' })(() => forbidden('A permission placement marker was evaluated as a rule.'));
    placements.set(found, placement);
    markers.set(name, found);
  }
  return found;
}

/** Every named field of an owned type: `owner` is checked where each object enters the response. */
export function ownedFields(names: readonly string[], owner: ShieldRule): Record<string, ShieldRule> {
  const mark = marker({ kind: 'owned', owner }, nameOf(owner));
  return Object.fromEntries(names.map((name) => [name, mark]));
}

/** Every named field of a type reachable only through fields that passed `guard`. */
export function insideFields(names: readonly string[], guard: ShieldRule): Record<string, ShieldRule> {
  const mark = marker({ kind: 'inside', guard }, nameOf(guard));
  return Object.fromEntries(names.map((name) => [name, mark]));
}

/** The placement a tree entry stands for, or undefined for an ordinary rule. */
export function placementOf(entry: ShieldRule): Placement | undefined {
  return placements.get(entry);
}
