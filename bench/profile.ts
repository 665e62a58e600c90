/**
 * Reads a V8 `.cpuprofile` (written by `node --cpu-prof`) and ranks functions
 * by self time, counting only the samples taken inside given time windows
 * (the load runs), so start-up work does not drown the hot path. Frames in
 * the compiled bundle (`dist/main.js`) are mapped back to their TypeScript
 * file and line through its source map.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

const sourceMaps = new Map<string, SourceMap | null>();

/** `frame` with its bundle position replaced by the source position, when the bundle has a source map beside it. */
function original(frame: CallFrame): CallFrame {
  if (!frame.url.startsWith('file://') || !frame.url.endsWith('.js')) return frame;
  const file = fileURLToPath(frame.url);
  let map = sourceMaps.get(file);
  if (map === undefined) {
    map = existsSync(`${file}.map`) ? new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8')) as SourceMapPayload) : null;
    sourceMaps.set(file, map);
  }
  if (map === null) return frame;
  const entry = map.findEntry(frame.lineNumber, frame.columnNumber);
  if (!('originalSource' in entry)) return frame;
  const source = entry.originalSource.startsWith('file://') ? entry.originalSource : pathToFileURL(resolve(dirname(file), entry.originalSource)).href;
  return { ...frame, url: source, lineNumber: entry.originalLine, columnNumber: entry.originalColumn };
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** A span of the monotonic clock in microseconds, the clock V8 stamps samples with (`process.hrtime`). */
export interface Window {
  startUs: number;
  endUs: number;
}

export interface HotFunction {
  name: string;
  location: string;
  /** Self time, or inclusive time in `ownInclusive`. */
  selfMs: number;
  /** Share of the busy (non-idle) time in the windows. */
  percent: number;
}

/** Time by where the code lives: an npm package, a project folder, or a Node core module. */
export interface PackageTime {
  name: string;
  /** Time in its own functions, % of busy. */
  selfPercent: number;
  /** Time with any of its functions on the stack (callees included), % of busy. */
  inclusivePercent: number;
}

export interface ProfileSummary {
  /** Sampled time inside the windows, in milliseconds. */
  totalMs: number;
  idleMs: number;
  top: HotFunction[];
  /** The project's own functions (src/, clients/, resolvers/) by inclusive time: what each costs with its callees. */
  ownInclusive: HotFunction[];
  packages: PackageTime[];
  /** False when no sample fell inside the windows and the whole profile was used instead. */
  windowed: boolean;
}

/**
 * The main thread's profile in `dir`: Node names them
 * `CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile`, the main thread is 0.
 */
export function mainThreadProfile(dir: string): string | null {
  const file = readdirSync(dir).find((name) => /^CPU\.\d+\.\d+\.\d+\.0\.\d+\.cpuprofile$/.test(name));
  return file === undefined ? null : join(dir, file);
}

/** Now on the clock V8's profiler uses, in microseconds. */
export function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** The project's folders, as `packageOf` names them. */
const OWN_CODE = new Set(['src/', 'clients/', 'resolvers/']);

function packageOf(url: string, root: string): string {
  if (url === '') return '(native)';
  if (url.startsWith('node:')) return url.replace(/^node:(internal\/)?/, 'node:').split('/')[0];
  const path = url.startsWith('file://') ? relative(root, fileURLToPath(url)) : url;
  const modules = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(path);
  return modules ? modules[1] : `${path.split('/')[0]}/`;
}

function location(frame: CallFrame, root: string): string {
  if (frame.url === '') return '(native)';
  let path = frame.url;
  if (path.startsWith('file://')) {
    path = relative(root, fileURLToPath(path));
    const modules = path.lastIndexOf('node_modules/');
    if (modules !== -1) path = path.slice(modules + 'node_modules/'.length);
  }
  return `${path}:${frame.lineNumber + 1}`;
}

/**
 * Self time per function (name + file + line), summed over the samples inside
 * `windows`, top `limit` first; `(idle)` is reported apart, not ranked.
 */
export function topSelfTime(file: string, windows: readonly Window[], limit = 15, root = process.cwd()): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const frames = new Map<number, CallFrame>(profile.nodes.map((node) => [node.id, original(node.callFrame)]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const stamps: number[] = [];
  let t = profile.startTime;
  for (const delta of profile.timeDeltas) stamps.push((t += delta));
  const inside = (us: number) => windows.some((w) => us >= w.startUs && us <= w.endUs);
  const filtered = windows.length > 0 && stamps.some(inside);

  const selfUs = new Map<string, { name: string; location: string; us: number }>();
  const packageSelfUs = new Map<string, number>();
  const packageInclusiveUs = new Map<string, number>();
  const ownUs = new Map<string, { name: string; location: string; us: number }>();
  const add = (map: Map<string, number>, key: string, us: number) => map.set(key, (map.get(key) ?? 0) + us);
  let totalUs = 0;
  let idleUs = 0;
  for (let i = 0; i < profile.samples.length - 1; i++) {
    if (filtered && !inside(stamps[i])) continue;
    // A sample stands for the time until the next one.
    const us = stamps[i + 1] - stamps[i];
    const frame = frames.get(profile.samples[i]);
    if (frame === undefined) continue;
    totalUs += us;
    if (frame.functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    const where = location(frame, root);
    const name = frame.functionName || '(anonymous)';
    const key = `${name} ${where}`;
    const entry = selfUs.get(key) ?? { name, location: where, us: 0 };
    entry.us += us;
    selfUs.set(key, entry);
    add(packageSelfUs, packageOf(frame.url, root), us);
    const onStack = new Set<string>();
    const ownOnStack = new Map<string, CallFrame>();
    for (let id: number | undefined = profile.samples[i]; id !== undefined; id = parents.get(id)) {
      const caller = frames.get(id);
      // The synthetic root and native frames would be on every stack.
      if (caller === undefined || caller.url === '') continue;
      const pkg = packageOf(caller.url, root);
      onStack.add(pkg);
      if (OWN_CODE.has(pkg)) ownOnStack.set(`${caller.functionName} ${location(caller, root)}`, caller);
    }
    for (const pkg of onStack) add(packageInclusiveUs, pkg, us);
    for (const [ownKey, caller] of ownOnStack) {
      const own = ownUs.get(ownKey) ?? { name: caller.functionName || '(anonymous)', location: location(caller, root), us: 0 };
      own.us += us;
      ownUs.set(ownKey, own);
    }
  }
  const busyUs = Math.max(1, totalUs - idleUs);
  const rank = (entries: Iterable<{ name: string; location: string; us: number }>) =>
    [...entries]
      .sort((a, b) => b.us - a.us)
      .slice(0, limit)
      .map((entry) => ({ name: entry.name, location: entry.location, selfMs: entry.us / 1000, percent: (100 * entry.us) / busyUs }));
  const top = rank(selfUs.values());
  const ownInclusive = rank(ownUs.values());
  const packages = [...packageSelfUs.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([pkg, us]) => ({ name: pkg, selfPercent: (100 * us) / busyUs, inclusivePercent: (100 * (packageInclusiveUs.get(pkg) ?? us)) / busyUs }));
  return { totalMs: totalUs / 1000, idleMs: idleUs / 1000, top, ownInclusive, packages, windowed: filtered || windows.length === 0 };
}

/** The summary as a Markdown table. */
export function formatProfile(title: string, summary: ProfileSummary): string {
  const busy = summary.totalMs - summary.idleMs;
  const lines = [
    `${title}: ${busy.toFixed(0)} ms busy, ${summary.idleMs.toFixed(0)} ms idle${summary.windowed ? '' : ' (whole profile: no sample inside the load windows)'}`,
    '',
    '| # | function | location | self ms | % of busy |',
    '| --: | --- | --- | --: | --: |',
    ...summary.top.map((f, i) => `| ${i + 1} | \`${f.name}\` | ${f.location} | ${f.selfMs.toFixed(0)} | ${f.percent.toFixed(1)} |`),
    '',
    '| # | own function (callees included) | location | ms | % of busy |',
    '| --: | --- | --- | --: | --: |',
    ...summary.ownInclusive.map((f, i) => `| ${i + 1} | \`${f.name}\` | ${f.location} | ${f.selfMs.toFixed(0)} | ${f.percent.toFixed(1)} |`),
    '',
    '| where | self % | inclusive % |',
    '| --- | --: | --: |',
    ...summary.packages.map((p) => `| ${p.name} | ${p.selfPercent.toFixed(1)} | ${p.inclusivePercent.toFixed(1)} |`),
  ];
  return lines.join('\n');
}
