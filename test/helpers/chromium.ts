import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { findBinary, isExecutable, skippedOutsideCi } from './binary.js';

const DEBIAN_CHROMIUM = '/usr/bin/chromium';
const INSTALL_HINT = 'Chromium is missing: apt-get install chromium (the browser tests never download one).';

/** STACK.md pitfall 8: Debian's build, headless, with nothing that phones home or needs a GPU or sandbox. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
];

function findChromium(): string | null {
  return isExecutable(DEBIAN_CHROMIUM) ? DEBIAN_CHROMIUM : findBinary('chromium');
}

/** Debian's Chromium, or null when it is not installed. */
export const chromiumPath: string | null = findChromium();

/**
 * Whether a browser suite should be skipped: only when Chromium is missing
 * outside CI (with a notice). On CI a missing browser is a failure, raised by
 * `launchChromium`, so a broken image cannot pass by skipping.
 */
export function skipWithoutChromium(suite: string): boolean {
  return skippedOutsideCi(chromiumPath, `[${suite}] skipped: ${INSTALL_HINT}`);
}

/**
 * Launches headless Chromium. Playwright gives every launch a fresh temporary
 * profile (the `--user-data-dir` of pitfall 8) and deletes it on close.
 */
export async function launchChromium(): Promise<Browser> {
  if (chromiumPath === null) throw new Error(INSTALL_HINT);
  return chromium.launch({ executablePath: chromiumPath, headless: true, args: CHROMIUM_ARGS });
}

/** A Chromium launched on a profile of its own: its one context is the whole browser. */
export interface ChromiumProfile {
  context: BrowserContext;
  /** Closes the browser, then deletes the profile. */
  close(): Promise<void>;
}

/**
 * Launches headless Chromium on a fresh profile whose preferences (Chromium's
 * `Default/Preferences` file) are `preferences`: a browser as a user's
 * privacy settings or an enterprise policy left it.
 */
export async function launchChromiumWithPreferences(preferences: object): Promise<ChromiumProfile> {
  if (chromiumPath === null) throw new Error(INSTALL_HINT);
  const profile = mkdtempSync(join(tmpdir(), 'chromium-profile-'));
  const remove = () => rmSync(profile, { recursive: true, force: true, maxRetries: 3 });
  try {
    mkdirSync(join(profile, 'Default'));
    writeFileSync(join(profile, 'Default', 'Preferences'), JSON.stringify(preferences));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 720 },
    });
    return {
      context,
      async close() {
        await context.close();
        remove();
      },
    };
  } catch (error) {
    remove();
    throw error;
  }
}
