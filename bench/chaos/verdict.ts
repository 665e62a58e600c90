/**
 * Judges one GraphQL answer against the answer the same operation got with
 * every service up: `full` (equal, no errors), `partial` (errors, all
 * `UPSTREAM_*` with a path, and every value that is there equals the
 * reference — only nulls where data is missing), or `wrong` (anything else:
 * a changed value, an unexpected error code, no data).
 */
export type Verdict = 'full' | 'partial' | 'wrong';

interface Body {
  data?: unknown;
  errors?: { path?: unknown[]; extensions?: { code?: unknown } }[];
}

export function judge(reference: unknown, body: Body): { verdict: Verdict; detail?: string } {
  if (body.data === null || body.data === undefined) return { verdict: 'wrong', detail: `no data (${codes(body)})` };
  if (!body.errors || body.errors.length === 0) {
    return sameShape(reference, body.data, false) ? { verdict: 'full' } : { verdict: 'wrong', detail: 'data differs without errors' };
  }
  const unexpected = body.errors.filter((e) => typeof e.extensions?.code !== 'string' || !e.extensions.code.startsWith('UPSTREAM_') || !e.path);
  if (unexpected.length > 0) return { verdict: 'wrong', detail: `unexpected error ${codes({ errors: unexpected })}` };
  return sameShape(reference, body.data, true) ? { verdict: 'partial' } : { verdict: 'wrong', detail: 'a value differs from the reference' };
}

function codes(body: Body): string {
  return (body.errors ?? []).map((e) => String(e.extensions?.code)).join(',') || 'none';
}

/** Deep equality, where `nullsAllowed` lets any value be null (a field nulled by a failure). */
function sameShape(expected: unknown, actual: unknown, nullsAllowed: boolean): boolean {
  if (actual === null && nullsAllowed) return true;
  if (expected === null || actual === null || typeof expected !== 'object' || typeof actual !== 'object') return expected === actual;
  if (Array.isArray(expected) !== Array.isArray(actual)) return false;
  if (Array.isArray(expected) && Array.isArray(actual)) {
    return expected.length === actual.length && expected.every((item, i) => sameShape(item, actual[i], nullsAllowed));
  }
  const e = expected as Record<string, unknown>;
  const a = actual as Record<string, unknown>;
  const keys = Object.keys(e);
  return keys.length === Object.keys(a).length && keys.every((key) => key in a && sameShape(e[key], a[key], nullsAllowed));
}
