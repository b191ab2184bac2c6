/**
 * The webhooks page and its actions. Every action runs the CLI's own command body (secrets file through
 * withSecretsFile, audit rows through context.audit) with its output captured for the page; afterwards the
 * list is read again, which also refreshes /metrics.
 */
import {
  CliError,
  createSubscription,
  deleteSubscription,
  EXIT,
  type ExitCode,
  parseDuration,
  rotateSubscriptionSecret,
  type SendTestResult,
  sendTest,
  setEnabled,
  updateSubscription,
} from '@okendo/cli';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ConsoleDeps } from '../app.js';
import { type Captured, captureOutput } from '../cli-context.js';
import { field, formOf } from '../form-body.js';
import { escapeHtml, type Flash, renderPage } from '../page.js';
import { loadSubscriptions } from './load-subscriptions.js';
import { checkCreateForm, type SubscriptionFormValues, sourceProblem } from './subscription-form.js';
import { filterRows, readFilter } from './subscription-rows.js';
import {
  confirmDelete,
  searchForm,
  sendTestTable,
  subscriptionForm,
  subscriptionPath,
  subscriptionTable,
} from './views.js';

const SUBSCRIPTION_ID = /^[A-Za-z0-9_.:-]{1,128}$/;
const DAY_MS = 86_400_000;

interface ListView {
  status?: number;
  flash?: Flash;
  create?: { values: SubscriptionFormValues; problems: string[] };
  /** Shown above the list (a send-test result). */
  extra?: string;
}

interface RowParams {
  source: string;
  id: string;
}

export function registerWebhookRoutes(app: FastifyInstance, deps: ConsoleDeps): void {
  const { sources } = deps.config;

  let timer: NodeJS.Timeout | undefined;
  app.addHook('onReady', async () => {
    const refresh = () => {
      loadSubscriptions(deps).catch((error: unknown) => app.log.warn({ err: error }, 'refresh failed'));
    };
    refresh();
    timer = setInterval(refresh, deps.config.refreshSeconds * 1_000);
    timer.unref();
  });
  app.addHook('onClose', async () => clearInterval(timer));

  async function renderList(request: FastifyRequest, reply: FastifyReply, view: ListView = {}) {
    const { filter, problem } = readFilter(request.query, sources);
    const loaded = await loadSubscriptions(deps);
    const csrfToken = deps.csrfToken(request, reply);
    const rows = filterRows(loaded.rows, filter);
    const banner =
      loaded.problems.length === 0
        ? ''
        : `<div class="flash flash-error" role="alert" data-testid="okendo-banner">${loaded.problems.map((p) => `<p>${escapeHtml(p)}</p>`).join('')}</div>`;
    const create = view.create ?? {
      values: { source: sources[0] ?? '', url: '', resourceTypes: [], topics: [], enabled: true },
      problems: [],
    };
    const body = `${banner}
${problem === undefined ? '' : `<p class="form-error" data-testid="filter-error">${escapeHtml(problem)}</p>`}
${view.extra ?? ''}
${searchForm(filter, sources)}
<p class="muted" data-testid="row-count">${rows.length} of ${loaded.rows.length} subscription topics</p>
${subscriptionTable(rows, csrfToken)}
<h2 id="create">Create a subscription</h2>
${subscriptionForm({ mode: 'create', action: '/webhooks/create', values: create.values, sources, problems: create.problems, csrfToken })}`;
    return reply
      .code(view.status ?? (problem === undefined ? 200 : 400))
      .type('text/html')
      .send(renderPage({ title: 'Webhooks', active: 'webhooks', body, csrfToken, flash: view.flash }));
  }

  /** A page for a bad :source or :id (400), with the list below. */
  function badRow(params: RowParams): string | undefined {
    return (
      sourceProblem(params.source, sources) ??
      (SUBSCRIPTION_ID.test(params.id) ? undefined : `Subscription id: not an Okendo id`)
    );
  }

  /** Runs a CLI body; its outcome becomes the page's flash (Okendo unanswered: 502 with the message). */
  async function runAction(
    request: FastifyRequest,
    reply: FastifyReply,
    source: string,
    body: (captured: Captured) => Promise<ExitCode>,
    describe: (captured: Captured) => string,
    extra?: (captured: Captured) => string,
  ) {
    const captured = captureOutput(request.log);
    try {
      const exitCode = await body(captured);
      const warnings = captured.warnings.length > 0 ? ` Warning: ${captured.warnings.join(' ')}` : '';
      return renderList(request, reply, {
        flash: {
          kind: exitCode === EXIT.ok ? 'ok' : 'error',
          text: `${describe(captured)}${warnings}`,
        },
        ...(extra === undefined ? {} : { extra: extra(captured) }),
      });
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      const unavailable = error.exitCode === EXIT.unavailable;
      deps.metrics.recordOkendoError(
        source,
        unavailable ? 'unavailable' : error.exitCode === EXIT.usage ? 'usage' : 'refused',
      );
      return renderList(request, reply, {
        status: unavailable ? 502 : error.exitCode === EXIT.usage ? 400 : 409,
        flash: {
          kind: 'error',
          text: unavailable ? `A service did not answer: ${error.message}` : error.message,
        },
      });
    }
  }

  app.get('/', (request, reply) => renderList(request, reply));
  app.get('/webhooks', (request, reply) => renderList(request, reply));

  app.post('/webhooks/create', async (request, reply) => {
    const check = checkCreateForm(formOf(request.body), sources);
    if (!check.ok)
      return renderList(request, reply, {
        status: 400,
        flash: { kind: 'error', text: 'The subscription was not created: see the form below.' },
        create: { values: check.values, problems: check.problems },
      });
    const { values } = check;
    return runAction(
      request,
      reply,
      values.source,
      (captured) =>
        createSubscription(deps.cliContext(captured.output), {
          source: values.source,
          url: values.url,
          resourceTypes: values.resourceTypes.join(','),
          topics: values.topics.join(','),
          disabled: !values.enabled,
        }),
      (captured) => {
        const result = captured.results[0] as
          | {
              subscription: { webhookSubscriptionId: string; isEnabled: boolean };
              secretLabel: string;
              secretWritten: boolean;
            }
          | undefined;
        if (result === undefined) return 'Created.';
        return `Created subscription ${result.subscription.webhookSubscriptionId} (${result.subscription.isEnabled ? 'Active' : 'Inactive'}); ${result.secretWritten ? `its secret ${result.secretLabel} is in the secrets file` : 'its secret was NOT written'}.`;
      },
    );
  });

  app.get<{ Params: RowParams }>('/webhooks/:source/:id/edit', async (request, reply) => {
    const problem = badRow(request.params);
    if (problem !== undefined)
      return renderList(request, reply, { status: 400, flash: { kind: 'error', text: problem } });
    const { source, id } = request.params;
    const answer = await deps.cliContext().okendo(source).getSubscription(id);
    if (!answer.ok) {
      deps.metrics.recordOkendoError(source, answer.error.code);
      return renderList(request, reply, {
        status: answer.error.code === 'not_found' ? 404 : 502,
        flash: { kind: 'error', text: answer.error.message },
      });
    }
    const s = answer.value;
    const values: SubscriptionFormValues = {
      source,
      url: s.endpointUrl,
      resourceTypes: [...new Set(s.subscriptions.map((p) => p.resourceType))],
      topics: [...new Set(s.subscriptions.map((p) => p.topic))],
      enabled: s.isEnabled,
    };
    return renderEdit(request, reply, source, id, values, [], 200);
  });

  function renderEdit(
    request: FastifyRequest,
    reply: FastifyReply,
    source: string,
    id: string,
    values: SubscriptionFormValues,
    problems: string[],
    status: number,
  ) {
    const csrfToken = deps.csrfToken(request, reply);
    const body = `<p>Subscription <code>${escapeHtml(id)}</code></p>
${subscriptionForm({ mode: 'edit', action: subscriptionPath(source, id, 'edit'), values, sources, problems, csrfToken })}
<p><a href="/">Back to the webhooks</a></p>`;
    return reply
      .code(status)
      .type('text/html')
      .send(renderPage({ title: 'Edit subscription', active: 'webhooks', body, csrfToken }));
  }

  app.post<{ Params: RowParams }>('/webhooks/:source/:id/edit', async (request, reply) => {
    const problem = badRow(request.params);
    if (problem !== undefined)
      return renderList(request, reply, { status: 400, flash: { kind: 'error', text: problem } });
    const { source, id } = request.params;
    const check = checkCreateForm({ ...formOf(request.body), source: [source] }, sources);
    if (!check.ok) return renderEdit(request, reply, source, id, check.values, check.problems, 400);
    const { values } = check;
    return runAction(
      request,
      reply,
      source,
      (captured) =>
        updateSubscription(deps.cliContext(captured.output), id, {
          source,
          url: values.url,
          resourceTypes: values.resourceTypes.join(','),
          topics: values.topics.join(','),
        }),
      () => `Updated subscription ${id}.`,
    );
  });

  for (const enable of [true, false]) {
    app.post<{ Params: RowParams }>(
      `/webhooks/:source/:id/${enable ? 'enable' : 'disable'}`,
      async (request, reply) => {
        const problem = badRow(request.params);
        if (problem !== undefined)
          return renderList(request, reply, { status: 400, flash: { kind: 'error', text: problem } });
        const { source, id } = request.params;
        return runAction(
          request,
          reply,
          source,
          (captured) => setEnabled(deps.cliContext(captured.output), id, { source }, enable),
          () => `${enable ? 'Enabled' : 'Disabled'} subscription ${id}.`,
        );
      },
    );
  }

  app.get<{ Params: RowParams }>('/webhooks/:source/:id/delete', async (request, reply) => {
    const problem = badRow(request.params);
    if (problem !== undefined)
      return renderList(request, reply, { status: 400, flash: { kind: 'error', text: problem } });
    return renderConfirm(request, reply, request.params, [], 200);
  });

  async function renderConfirm(
    request: FastifyRequest,
    reply: FastifyReply,
    params: RowParams,
    problems: string[],
    status: number,
  ) {
    const answer = await deps.cliContext().okendo(params.source).getSubscription(params.id);
    const csrfToken = deps.csrfToken(request, reply);
    const body = confirmDelete(
      {
        source: params.source,
        subscriptionId: params.id,
        endpointUrl: answer.ok ? answer.value.endpointUrl : undefined,
      },
      csrfToken,
      problems,
    );
    return reply
      .code(status)
      .type('text/html')
      .send(renderPage({ title: 'Delete subscription', active: 'webhooks', body, csrfToken }));
  }

  app.post<{ Params: RowParams }>('/webhooks/:source/:id/delete', async (request, reply) => {
    const problem = badRow(request.params);
    if (problem !== undefined)
      return renderList(request, reply, { status: 400, flash: { kind: 'error', text: problem } });
    const { source, id } = request.params;
    if (field(formOf(request.body), 'confirm') !== 'yes')
      return renderConfirm(
        request,
        reply,
        request.params,
        ['Tick "Yes, delete this subscription" to delete it.'],
        400,
      );
    return runAction(
      request,
      reply,
      source,
      (captured) => deleteSubscription(deps.cliContext(captured.output), id, { source }),
      () => `Deleted subscription ${id} and removed its secrets from the secrets file.`,
    );
  });

  app.post<{ Params: RowParams }>('/webhooks/:source/:id/rotate-secret', async (request, reply) => {
    const problem = badRow(request.params);
    if (problem !== undefined)
      return renderList(request, reply, { status: 400, flash: { kind: 'error', text: problem } });
    const { source, id } = request.params;
    const overlapText = field(formOf(request.body), 'overlap') ?? '24h';
    let overlapMs: number;
    try {
      overlapMs = parseDuration(overlapText, { maxMs: 7 * DAY_MS });
    } catch (error) {
      return renderList(request, reply, {
        status: 400,
        flash: { kind: 'error', text: `Overlap: ${error instanceof Error ? error.message : String(error)}` },
      });
    }
    return runAction(
      request,
      reply,
      source,
      (captured) => rotateSubscriptionSecret(deps.cliContext(captured.output), id, { source, overlapMs }),
      (captured) => {
        const result = captured.results[0] as { secretLabel: string; overlap: string } | undefined;
        return `Rotated the secret of ${id}: new secret ${result?.secretLabel ?? '?'}; the earlier ones stay accepted for ${result?.overlap ?? overlapText}.`;
      },
    );
  });

  app.post<{ Params: RowParams }>('/webhooks/:source/:id/send-test', async (request, reply) => {
    const problem = badRow(request.params);
    if (problem !== undefined)
      return renderList(request, reply, { status: 400, flash: { kind: 'error', text: problem } });
    const { source } = request.params;
    const resourceType = field(formOf(request.body), 'resourceType') ?? '';
    return runAction(
      request,
      reply,
      source,
      (captured) =>
        sendTest(deps.cliContext(captured.output), resourceType, {
          topic: 'create',
          set: [],
          source,
          timeout: 30_000,
        }),
      (captured) => {
        const result = captured.results[0] as SendTestResult | undefined;
        return `Test delivery ${result?.messageId ?? ''} went through the pipeline.`;
      },
      (captured) => {
        const result = captured.results[0] as SendTestResult | undefined;
        return result === undefined ? '' : sendTestTable(result);
      },
    );
  });
}
