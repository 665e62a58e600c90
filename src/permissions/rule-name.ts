import type { ShieldRule } from './shield.js';

/** A rule's name, for start-up messages and decision keys (logic rules have none of their own). */
export function nameOf(rule: ShieldRule): string {
  return 'name' in rule ? rule.name : `${rule.constructor.name}(${rule.getRules().map(nameOf).join(', ')})`;
}
