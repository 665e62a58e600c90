/**
 * Re-reads a profile the harness wrote with `--profile`:
 * `npx tsx bench/profile-cli.ts bench/profiles/<run> [top]` prints the top
 * self-time functions and packages for each load window saved beside it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatProfile, mainThreadProfile, topSelfTime, type Window } from './profile.js';

const [dir, top = '15'] = process.argv.slice(2);
if (dir === undefined) {
  process.stderr.write('usage: npx tsx bench/profile-cli.ts <profile directory> [top]\n');
  process.exit(2);
}
const file = mainThreadProfile(dir);
if (file === null) {
  process.stderr.write(`no main-thread .cpuprofile in ${dir}\n`);
  process.exit(1);
}
const windowsFile = join(dir, 'windows.json');
const windows: Record<string, Window[]> = existsSync(windowsFile) ? (JSON.parse(readFileSync(windowsFile, 'utf8')) as Record<string, Window[]>) : { 'whole profile': [] };
for (const [key, list] of Object.entries(windows)) console.log(`${formatProfile(key, topSelfTime(file, list, Number(top)))}\n`);
