import { totalmem } from 'node:os';
import { getHeapStatistics } from 'node:v8';

const MIB = 1024 * 1024;
/** `--max-old-space-size=<MiB>` (or `_`, or a space before the value), as Node reads it on its command line and in NODE_OPTIONS. */
const OLD_SPACE_FLAG = /--max[-_]old[-_]space[-_]size[= ](\d+)/g;
/** `--max-old-space-size-percentage=<percentage>` (Node 24 and later): a share of the memory available to the process. */
const OLD_SPACE_PERCENTAGE_FLAG = /--max[-_]old[-_]space[-_]size[-_]percentage[= ](\d+(?:\.\d+)?)/g;

/**
 * The memory Node takes a percentage of: the container's limit (cgroup) when there is one below the machine's
 * memory, else the machine's.
 */
function availableMemoryBytes(): number {
  const total = totalmem();
  const constrained = typeof process.constrainedMemory === 'function' ? process.constrainedMemory() : 0;
  return constrained > 0 && constrained < total ? constrained : total;
}

/** The last value `flag` is given in `args`, or undefined. */
function lastValue(args: string, flag: RegExp): number | undefined {
  const given = [...args.matchAll(flag)].at(-1)?.[1];
  return given === undefined ? undefined : Number(given);
}

/**
 * The heap the process may fill with long-lived objects, in bytes: the last
 * `--max-old-space-size-percentage` given (Node 24 and later, which then
 * ignores `--max-old-space-size`) of the memory available, else the last
 * `--max-old-space-size` (Node's command line, then NODE_OPTIONS, which Node
 * reads after it), else V8's whole heap limit. V8's `heap_size_limit` also
 * counts the young generation, whose size differs between Node lines:
 * beside a 128 MiB old space it is 176 MiB on Node 20 and 22, 224 on Node 26
 * and 320 on Node 24, so a budget taken from it alone let caches outgrow that
 * old space on Node 24.
 */
export function oldSpaceLimitBytes(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string | undefined = process.env['NODE_OPTIONS'],
  heapSizeLimit = getHeapStatistics().heap_size_limit,
  availableBytes = availableMemoryBytes(),
): number {
  const args = `${execArgv.join(' ')} ${nodeOptions ?? ''}`;
  const percentage = lastValue(args, OLD_SPACE_PERCENTAGE_FLAG);
  // As Node works it out: whole MiB of the memory available, times the percentage, rounded down.
  const mib =
    percentage !== undefined && percentage > 0 && percentage <= 100
      ? Math.floor((Math.floor(availableBytes / MIB) * percentage) / 100)
      : lastValue(args, OLD_SPACE_FLAG);
  return mib !== undefined && mib > 0 ? Math.min(mib * MIB, heapSizeLimit) : heapSizeLimit;
}
