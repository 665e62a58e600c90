import type { Audience } from '../context.js';
import type { PlaygroundAsset } from './assets.js';

/** The browser-side settings `static/playground.js` reads from the page's JSON block. */
export interface PlaygroundPageConfig {
  audience: Audience;
  endpoint: string;
  query: string;
  variables: string;
  /** Header-editor JSON; empty in production (never a credential there). */
  headers: string;
}

/**
 * The page's Content-Security-Policy (CSP Level 3). No inline script at all:
 * the bootstrap is a served file and its settings sit in a JSON data block,
 * which is never executed. Styles need `'unsafe-inline'`: GraphiQL's
 * dialogs (Radix UI, react-remove-scroll) inject `<style>` elements at run
 * time. Fonts are data: URLs inside graphiql.min.css; images are SVG data:
 * URLs. Every fetch goes to this origin; the page cannot be framed.
 */
export const PLAYGROUND_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "object-src 'none'",
].join('; ');

/** Where the playground's files are served; one path for every audience, so a browser caches them once. */
export const ASSET_PATH = '/playground/assets/';

/** JSON that is safe inside `<script type="application/json">`: no `</script>` or `<!--` can close or confuse it. */
function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The HTML of one audience's playground: GraphiQL's stylesheet and scripts
 * from this server (each linked with its content hash), the settings as a
 * JSON block, and no inline script or style.
 */
export function renderPlaygroundPage(config: PlaygroundPageConfig, assets: ReadonlyMap<string, PlaygroundAsset>): string {
  const href = (name: string): string => {
    const asset = assets.get(name);
    if (!asset) throw new Error(`playground asset ${name} is not loaded`);
    return escapeHtml(`${ASSET_PATH}${asset.version}/${name}`);
  };
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>${escapeHtml(`${config.audience} · GraphQL playground`)}</title>
<link rel="stylesheet" href="${href('graphiql.min.css')}">
<link rel="stylesheet" href="${href('playground.css')}">
<script id="playground-config" type="application/json">${scriptSafeJson(config)}</script>
<script src="${href('react.production.min.js')}" defer></script>
<script src="${href('react-dom.production.min.js')}" defer></script>
<script src="${href('graphiql.min.js')}" defer></script>
<script src="${href('playground.js')}" defer></script>
</head>
<body>
<div id="graphiql">Loading the ${escapeHtml(config.audience)} playground…</div>
<noscript>The GraphQL playground needs JavaScript.</noscript>
</body>
</html>
`;
}
