import { accessSync, constants } from 'node:fs';
import path from 'node:path';

/** Whether `file` exists and may be run. */
export function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The executable `name` on PATH, or in /usr/bin or /usr/local/bin (where Debian puts it), or null. */
export function findBinary(name: string): string | null {
  const dirs = [...(process.env['PATH'] ?? '').split(path.delimiter), '/usr/bin', '/usr/local/bin'].filter(Boolean);
  return dirs.map((dir) => path.join(dir, name)).find(isExecutable) ?? null;
}

/**
 * Whether a suite needing a missing binary is skipped: only outside CI, with
 * `notice` printed; on CI (`CI=true`) it runs and fails naming what to install.
 */
export function skippedOutsideCi(found: string | null, notice: string): boolean {
  if (found !== null || process.env['CI'] === 'true') return false;
  console.warn(notice);
  return true;
}
