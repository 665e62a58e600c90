import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// A copy of the project (node_modules linked), so its dist/ can be removed and made stale freely.
let project: string;
beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'bff-build-'));
  for (const entry of ['package.json', 'package-lock.json', 'tsconfig.json', 'scripts', 'src', 'clients', 'resolvers', 'schema', 'operations']) {
    cpSync(entry, join(project, entry), { recursive: true });
  }
  symlinkSync(resolve('node_modules'), join(project, 'node_modules'), 'dir');
});
afterAll(() => {
  rmSync(project, { recursive: true, force: true });
});

/** `npm start` in the copy until the gateway logs that it listens; then SIGTERM. Resolves with what it printed. */
function npmStart(): Promise<{ stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn('npm', ['start'], {
      cwd: project,
      env: { PATH: process.env['PATH'] ?? '', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so the gateway under npm receives the signal too.
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      process.kill(-child.pid!, 'SIGKILL');
      fail(new Error(`gateway did not start within 60 s; stderr:\n${stderr}`));
    }, 60_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('"msg":"gateway listening')) process.kill(-child.pid!, 'SIGTERM');
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('exit', () => {
      clearTimeout(timer);
      done({ stdout, stderr });
    });
  });
}

const bundle = () => join(project, 'dist', 'main.js');

describe('`npm start` builds dist/ when it is missing or older than the sources', () => {
  it('builds a missing dist/ before starting', async () => {
    rmSync(join(project, 'dist'), { recursive: true, force: true });
    const { stdout, stderr } = await npmStart();
    expect(stderr).toContain('building');
    expect(stdout).toContain('"msg":"gateway listening"');
    expect(statSync(bundle()).isFile()).toBe(true);
  }, 90_000);

  it('starts from an up-to-date build without building', async () => {
    const built = statSync(bundle()).mtimeMs;
    const { stdout, stderr } = await npmStart();
    expect(stderr).not.toContain('building');
    expect(stdout).toContain('"msg":"gateway listening"');
    expect(statSync(bundle()).mtimeMs).toBe(built);
  }, 90_000);

  it('rebuilds when a source file is newer than dist/, and runs the new code', async () => {
    const main = join(project, 'src', 'main.ts');
    writeFileSync(main, readFileSync(main, 'utf8').replace("'gateway listening'", "'gateway listening (rebuilt)'"));
    const later = new Date(statSync(bundle()).mtimeMs + 5_000);
    utimesSync(main, later, later);
    const { stdout, stderr } = await npmStart();
    expect(stderr).toContain('building');
    expect(stdout).toContain('"msg":"gateway listening (rebuilt)"');
  }, 90_000);

  // Reproducible image builds give every file one time, often 0: a bundle at time 0 read as missing, so every start
  // rebuilt it, which a read-only root filesystem refuses.
  it('starts without building when every file has the same time, as in a reproducible image', async () => {
    for (const entry of readdirSync(project, { withFileTypes: true, recursive: true })) {
      const path = join(entry.parentPath, entry.name);
      if (!path.includes('node_modules') && entry.isFile()) utimesSync(path, 0, 0);
    }
    const { stdout, stderr } = await npmStart();
    expect(stderr).not.toContain('building');
    expect(stdout).toContain('"msg":"gateway listening');
    expect(statSync(bundle()).mtimeMs).toBe(0);
  }, 90_000);
});
