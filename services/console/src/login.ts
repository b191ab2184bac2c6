/** GET/POST /login: the token form for a browser (a script sends Authorization: Bearer instead). */
import type { FastifyInstance } from 'fastify';
import type { ConsoleDeps } from './app.js';
import { field, formOf } from './form-body.js';
import { csrfField, renderPage } from './page.js';
import { sameSecret, setCookie, TOKEN_COOKIE } from './security.js';

export function registerLoginRoutes(app: FastifyInstance, deps: ConsoleDeps): void {
  const form = (csrfToken: string) =>
    `<form method="post" action="/login" data-testid="login-form">${csrfField(csrfToken)}
<label>Console token <input type="password" name="token" autocomplete="current-password" required data-testid="login-token"></label>
<button type="submit" data-testid="login-submit">Sign in</button></form>`;

  app.get('/login', async (request, reply) => {
    const csrfToken = deps.csrfToken(request, reply);
    const body =
      deps.config.authToken === undefined
        ? '<p>This console needs no token (it listens on loopback).</p>'
        : form(csrfToken);
    return reply
      .type('text/html')
      .send(renderPage({ title: 'Sign in', active: 'webhooks', body, csrfToken }));
  });

  app.post('/login', async (request, reply) => {
    const token = deps.config.authToken;
    const presented = field(formOf(request.body), 'token') ?? '';
    if (token === undefined || sameSecret(presented, token)) {
      if (token !== undefined) setCookie(reply, TOKEN_COOKIE, token);
      return reply.redirect('/', 303);
    }
    const csrfToken = deps.csrfToken(request, reply);
    return reply
      .code(401)
      .type('text/html')
      .send(
        renderPage({
          title: 'Sign in',
          active: 'webhooks',
          body: form(csrfToken),
          csrfToken,
          flash: { kind: 'error', text: 'That is not the console token.' },
        }),
      );
  });
}
