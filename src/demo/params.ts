import { badRequest } from './errors.js';

/** The parameter's value, or `undefined` when absent or empty. */
export function optionalParam(query: URLSearchParams, name: string): string | undefined {
  const value = query.get(name);
  return value === null || value === '' ? undefined : value;
}

/** The parameter's value; 400 when absent or empty. */
export function requiredParam(query: URLSearchParams, name: string): string {
  const value = optionalParam(query, name);
  if (value === undefined) throw badRequest(`${name} is required`);
  return value;
}

/** `true` / `false`, or `undefined` when absent; anything else is a 400. */
export function booleanParam(query: URLSearchParams, name: string): boolean | undefined {
  const value = optionalParam(query, name);
  if (value === undefined) return undefined;
  if (value === 'true' || value === 'false') return value === 'true';
  throw badRequest(`${name} must be true or false`);
}
