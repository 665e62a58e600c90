import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';

/** Screenshots land here (git-ignored) for a human to look at after a run. */
export const ARTIFACTS_DIR = join(process.cwd(), 'test-artifacts');

/** A fresh browser context on one playground page, recording everything the page asks for or complains about. */
export interface PlaygroundSession {
  page: Page;
  /** The HTTP status of the page itself. */
  status: number;
  /** Every URL the page requested (documents, scripts, styles, fetches, websockets), in order. */
  requests: string[];
  /** Console errors, uncaught page errors and refused foreign requests. */
  problems: string[];
  /** The text of one of GraphiQL's CodeMirror editors. */
  editorText(selector: string): Promise<string>;
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * Opens `url` in a new context (empty storage, so GraphiQL shows its first
 * visit). Every request is recorded; one to any other origin is aborted and
 * reported, so a CDN reference fails the test rather than loading quietly.
 */
export async function openPlayground(browser: Browser, origin: string, url: string): Promise<PlaygroundSession> {
  return openPlaygroundIn(await browser.newContext({ viewport: { width: 1280, height: 720 } }), origin, url);
}

/** `openPlayground` in a context of the caller's (a browser launched with preferences of its own); closing the session closes it. */
export async function openPlaygroundIn(context: BrowserContext, origin: string, url: string): Promise<PlaygroundSession> {
  const requests: string[] = [];
  const problems: string[] = [];
  await context.route('**/*', (route) => {
    const requested = route.request().url();
    requests.push(requested);
    if (new URL(requested).origin === origin) return route.continue();
    problems.push(`request to another origin: ${requested}`);
    return route.abort('blockedbyclient');
  });
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('websocket', (socket) => requests.push(socket.url()));
  const response = await page.goto(url);

  return {
    page,
    status: response?.status() ?? 0,
    requests,
    problems,
    editorText: (selector) =>
      page.locator(`${selector} .CodeMirror`).first().evaluate((element) => {
        // CodeMirror 5 renders only the visible lines; its instance holds the whole text.
        const editor = (element as unknown as { CodeMirror: { getValue(): string } }).CodeMirror;
        return editor.getValue();
      }),
    async screenshot(name) {
      mkdirSync(ARTIFACTS_DIR, { recursive: true });
      const path = join(ARTIFACTS_DIR, `${name}.png`);
      await page.screenshot({ path });
      return path;
    },
    close: () => context.close(),
  };
}
