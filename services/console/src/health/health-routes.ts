/**
 * GET /health (the page, reloading itself), GET /health.json (the same report as data), and the parked
 * messages' buttons: POST /health/redrive (the CLI's redrive) and POST /health/replay (the CLI's replay
 * --from dead-letters|unrouted --yes), each with the CSRF token app.ts checks, and audited by the CLI code.
 */
import { auditedRedrive, auditedReplay, type CliContext, CliError, EXIT, replayReport } from '@okendo/cli';
import { redriveReport } from '@okendo/sink';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ConsoleDeps } from '../app.js';
import { captureOutput, createCliContext } from '../cli-context.js';
import { field, formOf } from '../form-body.js';
import { type Flash, renderPage } from '../page.js';
import { loadHealthConfig } from './health-config.js';
import { HealthService } from './health-service.js';
import { renderHealthBody } from './health-view.js';

const PAGE_SIZE = 1_000;
const NO_FILTER = { resourceTypes: [], sources: [], messageIds: [] };

export function registerHealthRoutes(app: FastifyInstance, deps: ConsoleDeps): void {
  // Read at start-up like the rest of the console's config: a bad key stops buildConsoleApp with its message.
  const config = loadHealthConfig(deps.config.env);
  const health = new HealthService(config, () => deps.cliContext().warehouse(), deps.now);

  const page = async (request: FastifyRequest, reply: FastifyReply, flash?: Flash, status = 200) => {
    const report = await health.read();
    return reply
      .code(status)
      .type('text/html')
      .send(
        renderPage({
          title: 'Health',
          active: 'health',
          csrfToken: deps.csrfToken(request, reply),
          flash,
          // the URL too: after a button's POST the reload must be a GET of the page
          head: `<meta http-equiv="refresh" content="${config.refreshSeconds};url=/health">`,
          body: renderHealthBody(report, deps.csrfToken(request, reply), deps.now()),
        }),
      );
  };

  /** An action's failure as the page's banner: the CLI's own message, 502 when a service did not answer. */
  const failed = (request: FastifyRequest, reply: FastifyReply, error: unknown) => {
    if (!(error instanceof CliError)) throw error;
    const status = error.exitCode === EXIT.unavailable ? 502 : error.exitCode === EXIT.usage ? 400 : 409;
    return page(request, reply, { kind: 'error', text: error.message }, status);
  };

  /**
   * An action gets a context of its own, closed afterwards: redrive opens the warehouse for writing (in
   * embedded mode chDB's data dir, whose lock must not outlive the run) and replay a Kafka producer.
   */
  const action = async <T>(request: FastifyRequest, run: (context: CliContext) => Promise<T>): Promise<T> => {
    const captured = captureOutput(request.log);
    const context = createCliContext(deps.config, deps.actor(request), captured.output);
    try {
      return await run(context);
    } finally {
      await context.close();
    }
  };

  app.get('/health', (request, reply) => page(request, reply));
  app.get('/health.json', async () => health.read());

  app.post('/health/redrive', async (request, reply) => {
    try {
      const summary = await action(request, (context) =>
        auditedRedrive(context, { dryRun: false, pageSize: PAGE_SIZE }),
      );
      return page(request, reply, { kind: 'ok', text: redriveReport(summary).join(' · ') });
    } catch (error) {
      return failed(request, reply, error);
    }
  });

  app.post('/health/replay', async (request, reply) => {
    const from = field(formOf(request.body), 'from');
    if (from !== 'dead-letters' && from !== 'unrouted')
      return page(
        request,
        reply,
        { kind: 'error', text: 'replay: from must be dead-letters or unrouted' },
        400,
      );
    try {
      const summary = await action(request, (context) =>
        auditedReplay(context, { from, filter: NO_FILTER, dryRun: false, pageSize: PAGE_SIZE }),
      );
      return page(request, reply, { kind: 'ok', text: replayReport(summary, undefined).join(' · ') });
    } catch (error) {
      return failed(request, reply, error);
    }
  });
}
