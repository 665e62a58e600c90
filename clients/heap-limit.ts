import { getHeapStatistics } from 'node:v8';

const MIB = 1024 * 1024;
/** `--max-old-space-size=<MiB>` (or `_`, or a space before the value), as Node reads it on its command line and in NODE_OPTIONS. */
const OLD_SPACE_FLAG = /--max[-_]old[-_]space[-_]size[= ](\d+)/g;

/**
 * The heap the process may fill with long-lived objects, in bytes: the last
 * `--max-old-space-size` given (Node's command line, then NODE_OPTIONS, which
 * Node reads after it), else V8's whole heap limit. V8's `heap_size_limit`
 * also counts the young generation, whose size differs between Node lines:
 * beside a 128 MiB old space it is 176 MiB on Node 20 and 22, 224 on Node 26
 * and 320 on Node 24, so a budget taken from it alone let caches outgrow that
 * old space on Node 24.
 */
export function oldSpaceLimitBytes(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string | undefined = process.env['NODE_OPTIONS'],
  heapSizeLimit = getHeapStatistics().heap_size_limit,
): number {
  const given = [...`${execArgv.join(' ')} ${nodeOptions ?? ''}`.matchAll(OLD_SPACE_FLAG)].at(-1)?.[1];
  const mib = given === undefined ? NaN : Number(given);
  return Number.isFinite(mib) && mib > 0 ? Math.min(mib * MIB, heapSizeLimit) : heapSizeLimit;
}
