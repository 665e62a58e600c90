/** What tests read of other processes and threads from Linux's /proc. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';

/** The fields of a /proc `stat` file after the command name (which is in parentheses and may hold spaces): state first. */
function statFields(path: string): string[] {
  const stat = readFileSync(path, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** True while `pid` runs (not gone, not a zombie). */
export const alive = (pid: number): boolean => existsSync(`/proc/${pid}`) && statFields(`/proc/${pid}/stat`)[0] !== 'Z';

/** The processes `pid` started and that still exist. */
export const childrenOf = (pid: number): number[] =>
  existsSync(`/proc/${pid}/task/${pid}/children`) ? readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number) : [];

/** Each thread of `pid` and its nice value (the 19th field of the thread's `stat`). */
export function niceByThread(pid: number): Map<number, number> {
  const nice = new Map<number, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) nice.set(Number(tid), Number(statFields(`/proc/${pid}/task/${tid}/stat`)[16]));
  return nice;
}
