/**
 * GET /lookup?id=<message-id>: the CLI's trace of one delivery (delivery/trace-message.ts) as a table, hop by
 * hop: Kafka position, events row, version row, state row, dead letter, unrouted. A GET with no id shows the
 * form; an id found nowhere is a 404 page saying where it looked.
 */
import {
  isTraceableMessageId,
  type MessageTrace,
  traceFound,
  traceMessage,
  traceRows,
  type WarehouseAccess,
} from '@okendo/cli';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ConsoleDeps } from '../app.js';
import { escapeHtml, type Flash, renderPage } from '../page.js';

function lookupForm(id: string): string {
  return `<form method="get" action="/lookup" role="search">
<label for="lookup-id">Message id (webhook-id / svix-id)</label>
<input type="search" id="lookup-id" name="id" value="${escapeHtml(id)}" required maxlength="200">
<button type="submit">Look up</button>
</form>`;
}

function hopTable(rows: string[][]): string {
  return `<table data-testid="trace-hops"><thead><tr><th>hop</th><th>time</th><th>detail</th></tr></thead><tbody>${rows
    .map(
      ([hop, time, detail]) =>
        `<tr data-testid="trace-hop"><th scope="row">${escapeHtml(hop ?? '')}</th><td>${escapeHtml(time ?? '')}</td><td>${escapeHtml(detail ?? '')}</td></tr>`,
    )
    .join('')}</tbody></table>`;
}

export function registerLookupRoutes(app: FastifyInstance, deps: ConsoleDeps): void {
  const send = (request: FastifyRequest, reply: FastifyReply, status: number, body: string, flash?: Flash) =>
    reply
      .code(status)
      .type('text/html')
      .send(
        renderPage({
          title: 'Event lookup',
          active: 'lookup',
          csrfToken: deps.csrfToken(request, reply),
          flash,
          body,
        }),
      );

  app.get('/lookup', async (request, reply) => {
    const raw = (request.query as { id?: unknown }).id;
    const id = typeof raw === 'string' ? raw.trim() : '';
    if (id === '') return send(request, reply, 200, lookupForm(''));
    if (!isTraceableMessageId(id))
      return send(request, reply, 400, lookupForm(''), {
        kind: 'error',
        text: 'A message id is 1 to 200 printable characters without spaces.',
      });
    let access: WarehouseAccess;
    let trace: MessageTrace;
    try {
      access = await deps.cliContext().warehouse();
      trace = await traceMessage(access, id, undefined);
    } catch (error) {
      return send(request, reply, 502, lookupForm(id), {
        kind: 'error',
        text: `The warehouse did not answer: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
    if (!traceFound(trace))
      return send(
        request,
        reply,
        404,
        `${lookupForm(id)}<p data-testid="trace-not-found">Message <code>${escapeHtml(id)}</code> found nowhere: events, dead_letters, unrouted_deliveries (${escapeHtml(access.via)}).</p>`,
      );
    return send(
      request,
      reply,
      200,
      `${lookupForm(id)}<h2>Message <code data-testid="trace-message-id">${escapeHtml(id)}</code></h2>${hopTable(traceRows(trace))}`,
    );
  });
}
