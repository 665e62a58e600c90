import type { Money } from '../../clients/index.js';

/**
 * Integer minor units as a two-decimal string (`1999` → `"19.99"`, `-5` →
 * `"-0.05"`), done on integers so no floating-point rounding can creep in.
 */
export function formatMinorUnits(amountMinor: number): string {
  const sign = amountMinor < 0 ? '-' : '';
  const digits = String(Math.abs(Math.trunc(amountMinor))).padStart(3, '0');
  return `${sign}${digits.slice(0, -2)}.${digits.slice(-2)}`;
}

/** `Money` field resolvers over the REST `{ amountMinor, currency }`. */
export const moneyResolvers = {
  amount: (money: Money): string => formatMinorUnits(money.amountMinor),
  currency: (money: Money): string => money.currency,
};
