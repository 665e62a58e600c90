/** What the figures were measured on: they mean little without it. */
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';

function cpuModel(): string {
  try {
    return /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? 'unknown CPU';
  } catch {
    return 'unknown CPU';
  }
}

/** `nproc 2, <CPU model>, Node v20.x, load average 1.20 0.90 0.70` (1, 5, 15 minutes). */
export function machineLine(): string {
  const load = loadavg().map((value) => value.toFixed(2)).join(' ');
  return `nproc ${availableParallelism()}, ${cpuModel()}, Node ${process.version}, load average ${load}`;
}
