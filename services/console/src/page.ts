/**
 * The page shell every console page renders into: navigation, the flash / banner line and the body. Pages
 * build their body as HTML text and escape every value that is not their own markup with escapeHtml.
 */
import { CSRF_FIELD } from './security.js';

export type PageName = 'webhooks' | 'health' | 'lookup';

export interface Flash {
  kind: 'ok' | 'error';
  text: string;
}

export interface PageOptions {
  title: string;
  active: PageName;
  /** HTML: the page's own markup, values already escaped. */
  body: string;
  /** From deps.csrfToken(request, reply): put into every form with csrfField(). */
  csrfToken: string;
  /** A one-line message at the top (an action's outcome, or a banner such as "Okendo did not answer"). */
  flash?: Flash | undefined;
  /** Extra tags for <head> (e.g. a <meta http-equiv="refresh">). */
  head?: string;
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/** The hidden field every POST form carries. */
export function csrfField(csrfToken: string): string {
  return `<input type="hidden" name="${CSRF_FIELD}" value="${escapeHtml(csrfToken)}">`;
}

const NAV: ReadonlyArray<{ name: PageName; href: string; label: string }> = [
  { name: 'webhooks', href: '/', label: 'Webhooks' },
  { name: 'health', href: '/health', label: 'Health' },
  { name: 'lookup', href: '/lookup', label: 'Event lookup' },
];

export function renderPage(options: PageOptions): string {
  const nav = NAV.map(
    (item) =>
      `<a href="${item.href}" data-testid="nav-${item.name}"${item.name === options.active ? ' aria-current="page"' : ''}>${item.label}</a>`,
  ).join('');
  const flash =
    options.flash === undefined
      ? ''
      : `<p class="flash flash-${options.flash.kind}" role="${options.flash.kind === 'error' ? 'alert' : 'status'}" data-testid="flash-${options.flash.kind}">${escapeHtml(options.flash.text)}</p>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="csrf-token" content="${escapeHtml(options.csrfToken)}">
<title>${escapeHtml(options.title)} · Okendo pipeline console</title>
<link rel="stylesheet" href="/assets/console.css">
${options.head ?? ''}
</head>
<body>
<header><strong>Okendo pipeline</strong><nav aria-label="Console pages">${nav}</nav></header>
<main>
<h1>${escapeHtml(options.title)}</h1>
${flash}
${options.body}
</main>
</body>
</html>
`;
}

/** Served at /assets/console.css: small and hand-written, no external fonts or CDN. */
export const CONSOLE_CSS = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 0; color: #1f2328; background: #f6f8fa; }
header { display: flex; gap: 2rem; align-items: center; padding: .6rem 1.5rem; background: #24292f; color: #fff; }
header nav a { color: #d0d7de; margin-right: 1rem; text-decoration: none; }
header nav a[aria-current="page"] { color: #fff; font-weight: 600; border-bottom: 2px solid #fff; }
main { padding: 1rem 1.5rem; }
h1 { font-size: 1.4rem; margin: .2rem 0 1rem; }
h2 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; }
table { border-collapse: collapse; background: #fff; width: 100%; }
th, td { border-bottom: 1px solid #d0d7de; padding: .35rem .6rem; text-align: left; vertical-align: top; }
th { background: #eaeef2; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.badge { display: inline-block; padding: .05rem .5rem; border-radius: 1rem; font-size: .85em; color: #fff; }
.badge-active { background: rgb(26, 127, 55); }
.badge-inactive { background: rgb(110, 119, 129); }
.flash { padding: .5rem .8rem; border-radius: 4px; }
.flash-ok { background: #dafbe1; border: 1px solid #1a7f37; }
.flash-error { background: #ffebe9; border: 1px solid #cf222e; }
.form-error { color: #cf222e; font-weight: 600; }
form.inline { display: inline; }
fieldset { border: 1px solid #d0d7de; background: #fff; margin: .5rem 0; }
label { margin-right: .8rem; }
input[type="url"], input[type="search"], input[type="text"] { min-width: 18rem; }
button { cursor: pointer; }
button.danger { color: #cf222e; }
details.actions summary { cursor: pointer; color: #0969da; }
details.actions[open] { background: #f6f8fa; }
.muted { color: #656d76; }
`;
