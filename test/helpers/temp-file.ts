import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';

/** The temporary directories of the test file that imports this (each file loads its own copy of the module). */
const made = new Set<string>();
// Registered while the importing test file is collected: its files go when its tests are over.
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
  made.clear();
});

/** Writes `content` (JSON-encoded unless a string) to a fresh temporary file and returns its path. */
export function tempFile(name: string, content: unknown): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'bff-test-'));
  made.add(dir);
  const file = path.join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}
