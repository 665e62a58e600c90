import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Writes `content` (JSON-encoded unless a string) to a fresh temporary file and returns its path. */
export function tempFile(name: string, content: unknown): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'bff-test-')), name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}
