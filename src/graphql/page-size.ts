import { ErrorCode, gatewayError } from '../errors.js';
import { MAX_PAGE_SIZE, MIN_PAGE_SIZE } from '../pagination.js';

/**
 * Throws HTTP 400 BAD_USER_INPUT for a `first:` outside the contract's 1–100
 * (literal, variable or default, already coerced). Called by the cost
 * estimator for every field it prices, so the check costs no walk of its own
 * and fails before anything is priced, reserved or executed.
 */
export function assertFirstInRange(fieldName: string, first: unknown): void {
  if (first === undefined || first === null) return;
  if (typeof first !== 'number' || first < MIN_PAGE_SIZE || first > MAX_PAGE_SIZE) {
    throw gatewayError(
      ErrorCode.BAD_USER_INPUT,
      `\`first\` on \`${fieldName}\` must be between ${MIN_PAGE_SIZE} and ${MAX_PAGE_SIZE}.`,
      { status: 400, extensions: { field: `${fieldName}.first` } },
    );
  }
}
