import type { Audience } from '../../src/context.js';
import type { PlaygroundPageConfig } from '../../src/playground/page.js';

/** What a browser navigating to a URL sends (Chromium 120+). */
export const BROWSER_ACCEPT =
  'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8';

/** GETs an audience's endpoint the way a browser's address bar does. */
export function openAsBrowser(origin: string, audience: Audience, search = ''): Promise<Response> {
  return fetch(`${origin}/${audience}/graphql${search}`, { headers: { accept: BROWSER_ACCEPT } });
}

/** The settings block of a playground page, as the page's bootstrap script reads it. */
export function pageConfig(html: string): PlaygroundPageConfig {
  const match = /<script id="playground-config" type="application\/json">([^<]*)<\/script>/.exec(html);
  if (!match?.[1]) throw new Error('no playground-config block in the page');
  return JSON.parse(match[1]) as PlaygroundPageConfig;
}

/** The header-editor JSON of a page as an object (empty when the page prefills nothing). */
export function prefilledHeaders(html: string): Record<string, string> {
  const { headers } = pageConfig(html);
  return headers === '' ? {} : (JSON.parse(headers) as Record<string, string>);
}
