/**
 * The benchmark's honesty check: before anything is timed, the baseline's
 * answer must deep-equal the gateway's `data` (and the gateway must report
 * no errors), or the two are not doing the same work.
 */
import { isDeepStrictEqual } from 'node:util';
import type { BenchRequest, Scenario } from './scenarios.js';

export interface AnswerCheck {
  match: boolean;
  /** Why not, when they differ. */
  detail?: string;
}

async function send(base: string, request: BenchRequest): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${base}${request.path}`, {
    method: request.method,
    headers: request.headers,
    ...(request.body === undefined ? {} : { body: request.body }),
  });
  return { status: response.status, json: await response.json() };
}

/** The first path at which `a` and `b` differ, with both values, for the report. */
function firstDifference(a: unknown, b: unknown, path = '$'): string | null {
  if (isDeepStrictEqual(a, b)) return null;
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null && Array.isArray(a) === Array.isArray(b)) {
    const left = a as Record<string, unknown>;
    const right = b as Record<string, unknown>;
    for (const key of new Set([...Object.keys(left), ...Object.keys(right)])) {
      const found = firstDifference(left[key], right[key], `${path}.${key}`);
      if (found !== null) return found;
    }
  }
  return `${path}: baseline ${JSON.stringify(a)?.slice(0, 200)} vs gateway ${JSON.stringify(b)?.slice(0, 200)}`;
}

/** Asks both once and compares the baseline's JSON with the gateway's `data`. */
export async function checkAnswers(gatewayUrl: string, baselineUrl: string, scenario: Scenario): Promise<AnswerCheck> {
  const [gateway, baseline] = await Promise.all([send(gatewayUrl, scenario.gateway), send(baselineUrl, scenario.baseline)]);
  if (gateway.status !== 200 || baseline.status !== 200) {
    const bodies = `gateway said ${JSON.stringify(gateway.json).slice(0, 300)}; baseline said ${JSON.stringify(baseline.json).slice(0, 200)}`;
    return { match: false, detail: `HTTP ${gateway.status} from the gateway, ${baseline.status} from the baseline; ${bodies}` };
  }
  const { data, errors } = gateway.json as { data?: unknown; errors?: unknown };
  if (errors !== undefined) return { match: false, detail: `gateway errors: ${JSON.stringify(errors).slice(0, 400)}` };
  const difference = firstDifference(baseline.json, data);
  return difference === null ? { match: true } : { match: false, detail: difference };
}
