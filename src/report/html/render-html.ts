import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { RUNTIME_ASSETS } from '../../package-assets.js';
import type { RunReport } from '../report-json.js';
import { buildPageData } from './report-data.js';

/**
 * The self-contained report.html: one file, no network. uPlot (JS and CSS)
 * and the page script are inlined; the data sits in a
 * `<script type="application/json">` element with every `<` written as
 * `\u003c`, so no string from the target can close the element. The page
 * script builds the DOM with textContent only (never innerHTML), and a
 * Content-Security-Policy allows exactly the two inline scripts by hash: even
 * if escaping failed somewhere, an injected script would not run.
 */
let assets: { uplotJs: string; uplotCss: string; app: string; css: string } | undefined;

function loadAssets() {
  assets ??= {
    uplotJs: readFileSync(RUNTIME_ASSETS.uplotJs, 'utf8'),
    uplotCss: readFileSync(RUNTIME_ASSETS.uplotCss, 'utf8'),
    app: readFileSync(RUNTIME_ASSETS.reportApp, 'utf8'),
    css: readFileSync(RUNTIME_ASSETS.reportCss, 'utf8'),
  };
  return assets;
}

export function renderHtml(report: RunReport): string {
  const { uplotJs, uplotCss, app, css } = loadAssets();
  const data = safeJson(buildPageData(report));
  const scriptHashes = [uplotJs, app].map((text) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`);
  const csp = [
    "default-src 'none'",
    `script-src ${scriptHashes.join(' ')}`,
    // uPlot positions its cursor and legend through element.style, which CSP counts as inline style.
    "style-src 'unsafe-inline'",
    // Screenshots of failed participants are files next to the report (relative paths).
    "img-src 'self' data: file:",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const title = escapeHtml(`roomgate ${report.run.name}: ${report.run.status}`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title}</title>
<style>${uplotCss}
${css}</style>
</head>
<body>
<header id="verdict" class="verdict status-${escapeHtml(report.run.status)}"><h1>${title}</h1><p>Loading the report needs JavaScript; the data is also in report.json and summary.md next to this file.</p></header>
<main id="app"></main>
<script type="application/json" id="report-data">${data}</script>
<script>${uplotJs}</script>
<script>${app}</script>
</body>
</html>
`;
}

/** JSON that is safe inside a `<script>` element: no `<` (so no `</script>`), no U+2028/2029. */
export function safeJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
