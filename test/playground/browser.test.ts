import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIENCES, type Audience } from '../../src/context.js';
import type { Gateway } from '../../src/gateway.js';
import { launchChromium, launchChromiumWithPreferences, skipWithoutChromium } from '../helpers/chromium.js';
import { gql, startTestGateway } from '../helpers/gateway.js';
import { CATALOG, MOBILE_DASHBOARD, PRODUCT_PAGE } from '../operations/contract.js';
import { openPlayground, openPlaygroundIn, type PlaygroundSession } from './browser-session.js';
import { openAsBrowser, prefilledHeaders } from './page-config.js';

const RUN = '.graphiql-execute-button';
const RESPONSE = '.graphiql-response';

/** Text the result pane must show: fetched straight from the gateway with the page's own credential. */
async function expectedText(gateway: Gateway, audience: Audience, headers: Record<string, string>): Promise<string> {
  type Named = { name: string };
  switch (audience) {
    case 'mobile': {
      const { body } = await gql<{ dashboard: { user: Named } }>(gateway, 'mobile', MOBILE_DASHBOARD, {}, headers);
      return body.data!.dashboard.user.name;
    }
    case 'web': {
      const { body } = await gql<{ product: Named }>(gateway, 'web', PRODUCT_PAGE, { id: 'p1' }, headers);
      return body.data!.product.name;
    }
    case 'public': {
      const { body } = await gql<{ products: { edges: { node: Named }[] } }>(gateway, 'public', CATALOG, { first: 5 }, headers);
      return body.data!.products.edges[0]!.node.name;
    }
  }
}

/** Clicks the run button and waits until the result pane holds `text`. */
async function runAndSee(session: PlaygroundSession, text: string): Promise<string> {
  await session.page.locator(RUN).click();
  await expect.poll(() => session.editorText(RESPONSE), { timeout: 15_000 }).toContain(text);
  return session.editorText(RESPONSE);
}

/** Every URL the page asked for is on the gateway's origin: nothing from a CDN, no font host. */
function expectOnlyOrigin(session: PlaygroundSession, origin: string): void {
  expect(session.requests.length).toBeGreaterThan(5);
  expect(session.requests.filter((url) => new URL(url).origin !== origin)).toEqual([]);
  expect(session.problems).toEqual([]);
}

describe.skipIf(skipWithoutChromium('playground browser tests'))('Playground in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  describe('in development (demo services, development secret and keys)', () => {
    let gateway: Gateway;
    beforeAll(async () => {
      // An empty JWT_SECRET means "none set": the development secret, as `npm start` uses.
      gateway = await startTestGateway({ env: { JWT_SECRET: '' } });
    });
    afterAll(() => gateway?.close());

    it.each(AUDIENCES)(
      '%s: runs the prefilled example with the prefilled credential and shows the data, loading nothing from another host',
      async (audience) => {
        const html = await (await openAsBrowser(gateway.url, audience)).text();
        const headers = prefilledHeaders(html);
        expect(Object.keys(headers)).toHaveLength(1);
        const expected = await expectedText(gateway, audience, headers);

        const session = await openPlayground(browser, gateway.url, `${gateway.url}/${audience}/graphql`);
        try {
          const result = await runAndSee(session, expected);
          expect(result).not.toContain('"errors"');
          if (audience === 'mobile') expect(result).toContain('"dashboard"');
          // The run is in GraphiQL's history, and its credential is not: nothing in storage outlives the page with it.
          const stored = await session.page.evaluate(() => {
            // The page's own localStorage (the test's TypeScript has no DOM types).
            const local = (globalThis as unknown as { localStorage: Record<string, string> & { getItem(key: string): string | null } }).localStorage;
            return Object.keys(local).map((key) => `${key}=${local.getItem(key)}`);
          });
          expect(stored.find((entry) => entry.includes(':queries='))).toContain(Object.keys(headers)[0] === 'x-api-key' ? 'products' : 'query');
          for (const value of Object.values(headers)) expect(stored.join('\n')).not.toContain(value);
          await session.screenshot(`playground-${audience}`);
          expectOnlyOrigin(session, gateway.url);
        } finally {
          await session.close();
        }
      },
    );

    it('cleans headers an earlier page left in the history out of storage when it opens', async () => {
      const session = await openPlayground(browser, gateway.url, `${gateway.url}/public/graphql`);
      try {
        await session.page.locator(RUN).waitFor();
        const key = 'bff-gateway:public:graphiql:queries';
        const left = { queries: [{ query: '{ __typename }', headers: '{"x-api-key": "left-behind-key"}', operationName: null }] };
        await session.page.evaluate(([k, v]) => (globalThis as unknown as { localStorage: { setItem(a: string, b: string): void } }).localStorage.setItem(k!, v!), [key, JSON.stringify(left)]);
        await session.page.reload();
        await session.page.locator(RUN).waitFor();
        const stored = await session.page.evaluate((k) => (globalThis as unknown as { localStorage: { getItem(a: string): string | null } }).localStorage.getItem(k), key);
        expect(JSON.parse(stored!)).toEqual({ queries: [{ query: '{ __typename }', operationName: null }] });
      } finally {
        await session.close();
      }
    });

    it('starts in a browser that blocks site data, and runs the example', async () => {
      // Chromium's "Don't allow sites to save data" (or the DefaultCookiesSetting policy): reading localStorage throws.
      const chromium = await launchChromiumWithPreferences({ profile: { default_content_setting_values: { cookies: 2 } } });
      const session = await openPlaygroundIn(chromium.context, gateway.url, `${gateway.url}/public/graphql`);
      try {
        const blocked = await session.page.evaluate(() => {
          try {
            return (globalThis as unknown as { localStorage: { length: number } }).localStorage.length < 0;
          } catch {
            return true;
          }
        });
        expect(blocked).toBe(true);
        await session.page.locator(RUN).waitFor({ timeout: 15_000 }).catch(() => undefined);
        expect(session.problems).toEqual([]);
        const result = await runAndSee(session, await expectedText(gateway, 'public', { 'X-API-Key': 'demo-public-key-pro' }));
        expect(result).not.toContain('"errors"');
        expectOnlyOrigin(session, gateway.url);
      } finally {
        await chromium.close();
      }
    });

    it('renders the schema descriptions in the docs explorer, and opens dialogs within its CSP', async () => {
      const session = await openPlayground(browser, gateway.url, `${gateway.url}/web/graphql`);
      try {
        await session.page.getByRole('button', { name: 'Show Documentation Explorer' }).click();
        await session.page.locator('.graphiql-doc-explorer-type-name', { hasText: /^Query$/ }).first().click();
        await expect
          .poll(() => session.page.locator('.graphiql-doc-explorer').innerText())
          .toContain('The signed-in user; null (with UNAUTHENTICATED) without a valid token.');
        // GraphiQL's dialogs inject <style> elements: the reason for style-src 'unsafe-inline'.
        await session.page.getByRole('button', { name: 'Open settings dialog' }).click();
        await session.page.getByRole('dialog').waitFor();
        expectOnlyOrigin(session, gateway.url);
      } finally {
        await session.close();
      }
    });
  });

  describe('in production (NODE_ENV=production, default PLAYGROUND)', () => {
    let gateway: Gateway;
    let keysDir: string;
    beforeAll(async () => {
      keysDir = mkdtempSync(join(tmpdir(), 'playground-keys-'));
      writeFileSync(join(keysDir, 'keys.json'), '[]');
      gateway = await startTestGateway({ env: { NODE_ENV: 'production', API_KEYS_FILE: join(keysDir, 'keys.json') } });
    });
    afterAll(async () => {
      await gateway?.close();
      rmSync(keysDir, { recursive: true, force: true });
    });

    it('answers a browser on /web/graphql without a playground', async () => {
      const session = await openPlayground(browser, gateway.url, `${gateway.url}/web/graphql`);
      try {
        expect(session.status).toBe(400);
        expect(await session.page.locator('#graphiql').count()).toBe(0);
        expect(await session.page.content()).not.toContain('graphiql');
        expect(await session.page.content()).toContain('No playground on this endpoint');
      } finally {
        await session.close();
      }
    });

    it('serves the public playground with empty headers; the example then fails for want of a key', async () => {
      const session = await openPlayground(browser, gateway.url, `${gateway.url}/public/graphql`);
      try {
        await session.page.locator(RUN).waitFor();
        await session.page.locator('.graphiql-editor-tools button[data-name="headers"]').click();
        expect(await session.editorText('.graphiql-editor-tool .graphiql-editor:not(.hidden)')).toBe('');
        const result = await runAndSee(session, '"UNAUTHENTICATED"');
        expect(result).not.toContain('"edges"');
        await session.screenshot('playground-production-public');
        expectOnlyOrigin(session, gateway.url);
      } finally {
        await session.close();
      }
    });
  });
});
