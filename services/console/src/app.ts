/**
 * The console as a Fastify app: auth and CSRF checks for every route, the page modules registered by one
 * line each, /metrics and the stylesheet. The process (config, listen, shutdown) lives in server.ts, so
 * tests build the app with their own config and clock.
 */
import { auditActor, type CliContext, type Output } from '@okendo/cli';
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { createCliContext, logOutput } from './cli-context.js';
import type { ConsoleConfig } from './config.js';
import { formOf, registerFormParser } from './form-body.js';
import { registerHealthRoutes } from './health/health-routes.js';
import { registerLoginRoutes } from './login.js';
import { registerLookupRoutes } from './lookup/lookup-routes.js';
import { type ConsoleMetrics, createConsoleMetrics } from './metrics.js';
import { CONSOLE_CSS, renderPage } from './page.js';
import { CSRF_FIELD, CsrfGuard, isAuthorized, tokenId } from './security.js';
import { registerWebhookRoutes } from './webhooks/routes.js';

/** What every page module receives from app.ts. */
export interface ConsoleDeps {
  readonly config: Readonly<ConsoleConfig>;
  /**
   * The CLI context (Okendo clients per source, Kafka, the warehouse, audit as `actor`), shared by all
   * requests; `output` receives what a CLI body reports (captureOutput()). Do not close it: app.close() does.
   */
  readonly cliContext: (output?: Output) => CliContext;
  readonly now: () => number;
  /** The token for this request's forms (csrfField(token) in each form; renderPage's csrfToken). */
  readonly csrfToken: (request: FastifyRequest, reply: FastifyReply) => string;
  /** `console:<OS user>` on loopback without a token, else `console:token-<8 hex of its hash>`. */
  readonly actor: (request: FastifyRequest) => string;
  readonly metrics: ConsoleMetrics;
}

export interface ConsoleAppOptions {
  config: Readonly<ConsoleConfig>;
  /** Defaults to the CLI's createContext over config.env (closed with the app). */
  cliContext?: CliContext;
  now?: () => number;
  /** pino options; false silences it (tests). */
  logger?: false | { level: string };
}

/** Paths reachable without the token: the login form, the stylesheet it uses, the liveness probe. */
const PUBLIC_PATHS = new Set(['/login', '/assets/console.css', '/healthz']);

export function buildConsoleApp(options: ConsoleAppOptions): { app: FastifyInstance; deps: ConsoleDeps } {
  const { config } = options;
  const app = Fastify({
    logger: options.logger ?? { level: config.logLevel },
  });
  registerFormParser(app);
  const csrf = new CsrfGuard();
  const operator = `console:${config.authToken === undefined ? auditActor(config.env) : `token-${tokenId(config.authToken)}`}`;
  const base = options.cliContext ?? createCliContext(config, operator, logOutput(app.log));
  app.addHook('onClose', () => base.close());
  const deps: ConsoleDeps = {
    config,
    cliContext: (output) => ({ ...base, output: output ?? base.output, close: async () => {} }),
    now: options.now ?? Date.now,
    csrfToken: (request, reply) => csrf.token(request, reply),
    actor: () => operator,
    metrics: createConsoleMetrics(),
  };

  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    if (PUBLIC_PATHS.has(path) || isAuthorized(request, config.authToken)) return;
    if (request.method === 'GET' && request.headers.accept?.includes('text/html'))
      return reply.redirect('/login', 303);
    return reply.code(401).type('text/plain').send('401: send Authorization: Bearer <CONSOLE_AUTH_TOKEN>\n');
  });
  app.addHook('preHandler', async (request, reply) => {
    if (request.method !== 'POST') return;
    const presented = formOf(request.body)[CSRF_FIELD]?.[0] ?? headerValue(request, 'x-csrf-token');
    if (csrf.check(request, presented)) return;
    return reply
      .code(403)
      .type('text/html')
      .send(
        renderPage({
          title: 'Refused',
          active: 'webhooks',
          csrfToken: csrf.token(request, reply),
          flash: {
            kind: 'error',
            text: 'This form has expired or did not come from the console (CSRF check).',
          },
          body: '<p><a href="/">Back to the console</a>, then submit the form again.</p>',
        }),
      );
  });
  app.setErrorHandler<FastifyError>(async (error, request, reply) => {
    request.log.error({ err: error }, 'console request failed');
    const status = typeof error.statusCode === 'number' && error.statusCode < 500 ? error.statusCode : 500;
    return reply
      .code(status)
      .type('text/html')
      .send(
        renderPage({
          title: status === 500 ? 'Console error' : `Refused (${status})`,
          active: 'webhooks',
          csrfToken: csrf.token(request, reply),
          flash: {
            kind: 'error',
            text: status === 500 ? 'The console hit an error; its log has the details.' : error.message,
          },
          body: '<p><a href="/">Back to the webhooks</a></p>',
        }),
      );
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/assets/console.css', async (_request, reply) => reply.type('text/css').send(CONSOLE_CSS));
  app.get('/metrics', async (_request, reply) =>
    reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics()),
  );
  registerLoginRoutes(app, deps);
  // One line per page module (K2: health and lookup).
  registerWebhookRoutes(app, deps);
  registerHealthRoutes(app, deps);
  registerLookupRoutes(app, deps);
  return { app, deps };
}

function headerValue(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}
