// @ts-check
/**
 * `npm run test:node -- <line or version>` (e.g. `26` or `24.22.3`): runs
 * `npm test` on another Node.js line. Node's official binaries are published
 * on the npm registry as `node-<platform>-<arch>`; the chosen version is
 * packed into a temporary folder and its `bin/` put first on PATH (npm itself
 * is the installed one, run by that node). A bare major resolves to that
 * line's newest release.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

const wanted = process.argv[2];
if (!wanted || !/^\d+(\.\d+\.\d+)?$/.test(wanted)) {
  process.stderr.write('usage: npm run test:node -- <major, e.g. 26 | exact version, e.g. 26.12.1>\n');
  process.exit(2);
}

const pkg = `node-${process.platform}-${process.arch}`;
/** @param {string[]} args */
const npm = (args, cwd = process.cwd()) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });

let version = wanted;
if (!wanted.includes('.')) {
  const listed = /** @type {string | string[]} */ (JSON.parse(npm(['view', `${pkg}@${wanted}`, 'version', '--json'])));
  const versions = Array.isArray(listed) ? listed : [listed];
  version = versions.at(-1) ?? '';
  if (!version) throw new Error(`no ${pkg} release on line ${wanted}`);
}

const dir = mkdtempSync(join(tmpdir(), 'node-line-'));
let status = 1;
try {
  process.stderr.write(`fetching ${pkg}@${version}…\n`);
  const tarball = npm(['pack', `${pkg}@${version}`, '--silent'], dir).trim().split('\n').at(-1) ?? '';
  execFileSync('tar', ['xzf', tarball], { cwd: dir });
  const bin = join(dir, 'package', 'bin');
  const env = { ...process.env, PATH: `${bin}${delimiter}${process.env['PATH'] ?? ''}` };
  const reported = execFileSync(join(bin, 'node'), ['--version'], { encoding: 'utf8' }).trim();
  process.stderr.write(`npm test on Node ${reported}\n`);
  status = spawnSync('npm', ['test'], { env, stdio: 'inherit' }).status ?? 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.exit(status);
