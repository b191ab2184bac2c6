/**
 * The console's guards without Okendo (no credentials: the page shows a banner): every POST needs the CSRF
 * token of its own session, a non-loopback config needs the token on every request, pages escape what they
 * show and never render the token.
 */
import { buildConsoleApp, escapeHtml, loadConsoleConfig, renderPage } from '@okendo/console';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';

const TOKEN = 'console-token-0123456789abcdef';
const apps: FastifyInstance[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

function consoleApp(env: NodeJS.ProcessEnv = {}): FastifyInstance {
  const { app } = buildConsoleApp({
    config: loadConsoleConfig({ OKENDO_WEBHOOK_SOURCES_FILE: '/nonexistent/console-unit.json', ...env }),
    logger: false,
  });
  apps.push(app);
  return app;
}

const form = (fields: Record<string, string>) => ({
  'content-type': 'application/x-www-form-urlencoded',
  payload: new URLSearchParams(fields).toString(),
});

/** A session: its cookie and its form token, from a GET of the page. */
async function session(app: FastifyInstance, headers: Record<string, string> = {}) {
  const page = await app.inject({ method: 'GET', url: '/', headers });
  const cookie = String(page.headers['set-cookie'] ?? '').split(';')[0] ?? '';
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
  return { page, cookie, csrf };
}

describe('CSRF', () => {
  it('refuses a POST without its session token with 403, and lets the right one through', async () => {
    const app = consoleApp();
    const mine = await session(app);
    const theirs = await session(app);
    expect(mine.page.statusCode).toBe(200);
    expect(mine.csrf).not.toBe(theirs.csrf);
    const post = (cookie: string, csrf: string | undefined) => {
      const { payload, ...type } = form({ ...(csrf === undefined ? {} : { _csrf: csrf }), url: 'nope' });
      return app.inject({ method: 'POST', url: '/webhooks/create', headers: { cookie, ...type }, payload });
    };
    for (const [cookie, csrf] of [
      [mine.cookie, undefined],
      [mine.cookie, 'forged'],
      [mine.cookie, theirs.csrf],
      ['', mine.csrf],
    ] as const) {
      const refused = await post(cookie, csrf);
      expect(refused.statusCode).toBe(403);
      expect(refused.body).toContain('CSRF check');
    }
    // Past the check, the form's own validation answers.
    const checked = await post(mine.cookie, mine.csrf);
    expect(checked.statusCode).toBe(400);
    expect(checked.body).toContain('data-testid="form-error"');
  });
});

describe('auth beyond loopback', () => {
  const env = { CONSOLE_HOST: '0.0.0.0', CONSOLE_AUTH_TOKEN: TOKEN };

  it('answers 401 (or sends a browser to /login) without the token, and serves with it', async () => {
    const app = consoleApp(env);
    expect((await app.inject({ method: 'GET', url: '/' })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    const browser = await app.inject({ method: 'GET', url: '/?q=x', headers: { accept: 'text/html' } });
    expect(browser.statusCode).toBe(303);
    expect(browser.headers.location).toBe('/login');
    const wrong = await app.inject({
      method: 'GET',
      url: '/',
      headers: { authorization: 'Bearer not-the-token-123' },
    });
    expect(wrong.statusCode).toBe(401);
    const right = await app.inject({
      method: 'GET',
      url: '/',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(right.statusCode).toBe(200);
    expect(right.body).not.toContain(TOKEN);
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('the login form sets the token cookie only for the right token', async () => {
    const app = consoleApp(env);
    const login = await app.inject({ method: 'GET', url: '/login' });
    const cookie = String(login.headers['set-cookie'] ?? '').split(';')[0] ?? '';
    const csrf = /name="_csrf" value="([^"]+)"/.exec(login.body)?.[1] ?? '';
    const attempt = (token: string) => {
      const { payload, ...type } = form({ _csrf: csrf, token });
      return app.inject({ method: 'POST', url: '/login', headers: { cookie, ...type }, payload });
    };
    const refused = await attempt('wrong-token-0123456789');
    expect(refused.statusCode).toBe(401);
    expect(refused.headers['set-cookie']).toBeUndefined();
    const accepted = await attempt(TOKEN);
    expect(accepted.statusCode).toBe(303);
    const tokenCookie = String(accepted.headers['set-cookie']).split(';')[0] ?? '';
    expect(tokenCookie.startsWith('console_token=')).toBe(true);
    const page = await app.inject({ method: 'GET', url: '/', headers: { cookie: tokenCookie } });
    expect(page.statusCode).toBe(200);
  });
});

describe('page shell', () => {
  it('escapes the title, the flash and values, and marks the active page', () => {
    const html = renderPage({
      title: '<script>x</script>',
      active: 'health',
      body: `<p>${escapeHtml('"a" & <b>')}</p>`,
      csrfToken: 'tok"en',
      flash: { kind: 'error', text: '<img src=x onerror=alert(1)>' },
    });
    expect(html).not.toContain('<script>x');
    expect(html).not.toContain('<img');
    expect(html).toContain('<p>&quot;a&quot; &amp; &lt;b&gt;</p>');
    expect(html).toContain('content="tok&quot;en"');
    expect(html).toContain('data-testid="nav-health" aria-current="page"');
  });

  it('shows a banner when a source has no Okendo credentials, never a 500', async () => {
    const page = await consoleApp().inject({ method: 'GET', url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('data-testid="okendo-banner"');
    expect(page.body).toContain('OKENDO_USER_ID');
  });
});
