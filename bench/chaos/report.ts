/**
 * The chaos run's table (one row per phase) and its verdict: the list of
 * failures that make the run exit non-zero.
 */
import type { Phase } from './plan.js';
import type { Sample } from './traffic.js';

export interface PhaseRecord {
  phase: Phase;
  /** ms on the run's clock. */
  start: number;
  end: number;
  /** `/readyz` answers: `200`, or `503 <status>` (`draining`, `overloaded`). */
  readyz: string[];
  /** Recovery time in ms, when the phase measures one (null: Redis not seen back within the phase). */
  recoveryMs?: number | null;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function counts<T extends string | number>(values: T[]): string {
  const map = new Map<T, number>();
  for (const value of values) map.set(value, (map.get(value) ?? 0) + 1);
  return [...map].sort(([a], [b]) => String(a).localeCompare(String(b))).map(([k, n]) => `${k === 0 ? 'none' : k}:${n}`).join(' ') || '—';
}

/**
 * How long answers stayed incomplete after a fault was lifted at `from`: the
 * end of the last answer sent in [`from`, `until`) that was not full, minus
 * `from`; 0 when every one was full.
 */
export function recoveryMs(samples: Sample[], from: number, until: number): number {
  const late = samples.filter((s) => s.start >= from && s.start < until && s.verdict !== 'full');
  return late.length === 0 ? 0 : Math.max(...late.map((s) => s.end)) - from;
}

const ms = (value: number) => (Number.isNaN(value) ? '—' : value < 10 ? value.toFixed(1) : value.toFixed(0));

export function formatTable(records: PhaseRecord[], samples: Sample[]): string {
  const header = ['phase', 's', 'req/s', 'p50 ms', 'p99 ms', 'statuses', 'full', 'partial', 'wrong', '/readyz', 'recovery'];
  const rows = records.map((record, index) => {
    const mine = samples.filter((s) => s.phase === index);
    const latencies = mine.filter((s) => s.status !== 0).map((s) => s.end - s.start).sort((a, b) => a - b);
    const seconds = (record.end - record.start) / 1000;
    const recovery = record.recoveryMs === undefined ? '' : record.recoveryMs === null ? 'not seen' : `${ms(record.recoveryMs)} ms`;
    return [
      record.phase.name,
      seconds.toFixed(1),
      seconds > 0 ? (mine.length / seconds).toFixed(0) : '—',
      ms(percentile(latencies, 50)),
      ms(percentile(latencies, 99)),
      counts(mine.map((s) => s.status)),
      String(mine.filter((s) => s.verdict === 'full').length),
      String(mine.filter((s) => s.verdict === 'partial').length),
      String(mine.filter((s) => s.verdict === 'wrong').length),
      counts(record.readyz),
      recovery,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

/**
 * Requests with no answer before SIGTERM (shown as `none` in the statuses):
 * printed, not a failure. On a starved machine a keep-alive socket can be
 * reused by the client just as the server's idle timeout closes it — a
 * transport race a load balancer retries, not a gateway answer.
 */
export function warnings(records: PhaseRecord[], samples: Sample[]): string[] {
  const lost = samples.filter((s) => s.status === 0 && records[s.phase]?.phase.kind !== 'sigterm');
  return lost.length === 0 ? [] : [`${lost.length} requests got no answer before SIGTERM (${lost[0]!.detail})`];
}

/** Every reason the run fails; empty: it passed. */
export function failures(records: PhaseRecord[], samples: Sample[], exitCode: number | null): string[] {
  const found: string[] = [];
  const serverErrors = samples.filter((s) => s.status >= 500);
  if (serverErrors.length > 0) {
    found.push(`${serverErrors.length} answers from /graphql with a 5xx (${counts(serverErrors.map((s) => `${s.status} ${s.detail ?? ''}`.trim() as string))})`);
  }
  const wrong = samples.filter((s) => s.verdict === 'wrong');
  if (wrong.length > 0) found.push(`${wrong.length} wrong answers, e.g. ${wrong[0]!.scenario}: ${wrong[0]!.detail}`);
  records.forEach((record, index) => {
    const notReady = record.readyz.filter((status) => status !== '200').length;
    if (record.phase.kind !== 'sigterm' && notReady > 0) found.push(`/readyz answered ${counts(record.readyz)} during "${record.phase.name}"`);
    if (record.phase.kind === 'sigterm') {
      const cut = samples.filter((s) => s.phase === index && s.status === 0);
      if (cut.length > 0) found.push(`${cut.length} requests cut off by SIGTERM (${cut[0]!.detail})`);
      if (!record.readyz.includes('503 draining')) found.push('/readyz never answered 503 draining after SIGTERM');
    }
  });
  if (exitCode !== 0) found.push(`the gateway exited with ${exitCode} after SIGTERM`);
  return found;
}
