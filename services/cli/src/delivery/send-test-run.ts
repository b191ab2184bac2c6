/**
 * One test delivery through the pipeline, hop by hop: POST to the ingest (its answer and how long it took),
 * then, from that answer, how long until the events row and the `_current` row are visible. A hop that fails
 * ends the run with a CliError naming it: the ingest not answering or refusing, the sink not answering, a row
 * not visible within the timeout.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { TABLE_LAYOUTS } from '@okendo/sink';
import { oneLine } from '../command-runner.js';
import type { CliContext } from '../context.js';
import { CliError, EXIT } from '../exit-codes.js';
import type { WarehouseAccess } from '../warehouse-access.js';
import {
  type EventRow,
  findDeadLetters,
  findEventRow,
  findStateRow,
  inCurrentView,
} from './delivery-rows.js';
import type { SampleDelivery } from './sample-delivery.js';
import { newMessageId, signedDeliveryHeaders, unknownSecret } from './sign-delivery.js';
import type { SigningSecret } from './signing-secret.js';

export interface SendTestPlan {
  delivery: SampleDelivery;
  source: string;
  secret: SigningSecret;
  badSignature: boolean;
  timeoutMs: number;
}

export interface IngestHop {
  url: string;
  status: number;
  /** the ingest's answer: published / duplicate / unrouted, or the error code */
  answer: string;
  ms: number;
}

export interface SendTestResult {
  messageId: string;
  resourceType: string;
  topic: string;
  entityId: string;
  source: string;
  secretLabel: string;
  ingest: IngestHop;
  events?: { ms: number; kafkaTopic: string; kafkaPartition: number; kafkaOffset: number };
  current?: { ms: number; view: string; deleted: boolean };
}

const POLL_MS = 50;
/** How long without an events row before the sink is asked whether it is there at all. */
const SINK_CHECK_AFTER_MS = 2_000;
/** How often the wait for the state row also looks for a dead letter of the message. */
const DEAD_LETTER_CHECK_MS = 500;

const causeOf = (error: unknown): string => {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return oneLine(cause?.code ?? cause?.message ?? (error as Error).message ?? String(error));
};

export async function postDelivery(
  context: CliContext,
  plan: SendTestPlan,
  messageId: string,
): Promise<IngestHop> {
  const path =
    plan.source === 'default' ? '/webhooks/okendo' : `/webhooks/okendo/${encodeURIComponent(plan.source)}`;
  const url = `${context.ingestUrl()}${path}`;
  const secret = plan.badSignature ? unknownSecret() : plan.secret.secret;
  const started = performance.now();
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: signedDeliveryHeaders(secret, messageId, plan.delivery.body),
      body: plan.delivery.body,
      signal: AbortSignal.timeout(plan.timeoutMs),
    });
  } catch (error) {
    throw new CliError(`hop 1, the ingest: POST ${url} got no answer (${causeOf(error)})`, EXIT.unavailable);
  }
  const text = await response.text();
  const ms = performance.now() - started;
  let answer = `HTTP ${response.status}`;
  try {
    const body = JSON.parse(text) as { status?: string; error?: { code?: string } };
    answer = body.error?.code ?? body.status ?? answer;
  } catch {
    // Not JSON (a proxy's page): the status says enough.
  }
  return { url, status: response.status, answer, ms };
}

/** Is a sink listening at SINK_URL, and is it ready (its /readyz reason when not)? */
async function sinkState(
  sinkUrl: string,
): Promise<{ up: false; cause: string } | { up: true; reason?: string }> {
  try {
    const response = await fetch(`${sinkUrl}/readyz`, { signal: AbortSignal.timeout(2_000) });
    const body = (await response.json().catch(() => ({}))) as { reason?: string };
    return response.ok ? { up: true } : { up: true, reason: body.reason ?? `HTTP ${response.status}` };
  } catch (error) {
    return { up: false, cause: causeOf(error) };
  }
}

async function waitForEvent(
  context: CliContext,
  access: WarehouseAccess,
  messageId: string,
  deadline: number,
): Promise<EventRow> {
  const sinkUrl = context.sinkUrl();
  let sinkCheckAt = performance.now() + SINK_CHECK_AFTER_MS;
  for (;;) {
    const row = await findEventRow(access, messageId).catch((error: unknown) => {
      if (error instanceof CliError) throw error;
      throw new CliError(
        `hop 2, the warehouse: cannot read events through ${access.via} (${causeOf(error)})`,
        EXIT.unavailable,
      );
    });
    if (row !== undefined) return row;
    const now = performance.now();
    if (now >= sinkCheckAt || now >= deadline) {
      const sink = await sinkState(sinkUrl);
      if (!sink.up)
        throw new CliError(
          `hop 2, the sink: no events row, and the sink at ${sinkUrl} does not answer (${sink.cause}); the message waits in Kafka`,
          EXIT.unavailable,
        );
      if (now >= deadline)
        throw new CliError(
          `hop 2, the sink: no events row within the timeout; the sink at ${sinkUrl} answers${sink.reason ? ` but is not ready: ${oneLine(sink.reason)}` : ' and is ready'}`,
          EXIT.unavailable,
        );
      sinkCheckAt = now + SINK_CHECK_AFTER_MS;
    }
    await sleep(POLL_MS);
  }
}

export async function runSendTest(context: CliContext, plan: SendTestPlan): Promise<SendTestResult> {
  const messageId = newMessageId();
  const { delivery } = plan;
  const ingest = await postDelivery(context, plan, messageId);
  const result: SendTestResult = {
    messageId,
    resourceType: delivery.resourceType,
    topic: delivery.topic,
    entityId: delivery.entityId,
    source: plan.source,
    secretLabel: plan.badSignature ? 'an unknown secret (--bad-signature)' : plan.secret.label,
    ingest,
  };
  if (plan.badSignature) return result;
  if (ingest.status < 200 || ingest.status > 299)
    throw new CliError(
      `hop 1, the ingest: ${ingest.url} answered ${ingest.status} ${ingest.answer}`,
      EXIT.failed,
    );
  if (ingest.answer === 'unrouted')
    throw new CliError(
      `hop 1, the ingest: accepted but could not route it (parked as unrouted: see trace ${messageId})`,
    );
  const answeredAt = performance.now();
  const deadline = answeredAt + plan.timeoutMs;
  const access = await context.warehouse();
  const event = await waitForEvent(context, access, messageId, deadline);
  result.events = {
    ms: performance.now() - answeredAt,
    kafkaTopic: event.kafkaTopic,
    kafkaPartition: event.kafkaPartition,
    kafkaOffset: event.kafkaOffset,
  };
  const deleted = delivery.topic === 'delete';
  let deadLetterCheckAt = performance.now() + DEAD_LETTER_CHECK_MS;
  for (;;) {
    // A delete leaves the current view: its hop is the state row that records it.
    const visible = deleted
      ? (await findStateRow(access, delivery.resourceType, delivery.entityId))?.messageId === messageId
      : await inCurrentView(access, delivery.resourceType, delivery.entityId, messageId);
    if (visible) break;
    const now = performance.now();
    if (now >= deadLetterCheckAt || now >= deadline) {
      const [letter] = await findDeadLetters(access, messageId);
      if (letter !== undefined)
        throw new CliError(
          // The reason is in trace: ClickHouse's text may quote the row.
          `hop 3, the state tables: the sink dead-lettered it; see trace ${messageId}`,
          EXIT.failed,
        );
      deadLetterCheckAt = now + DEAD_LETTER_CHECK_MS;
    }
    if (now >= deadline)
      throw new CliError(
        `hop 3, the state tables: the events row is in (${event.kafkaTopic}[${event.kafkaPartition}] offset ${event.kafkaOffset}) but no ${deleted ? 'deleted state' : '_current'} row within the timeout; see trace ${messageId}`,
        EXIT.failed,
      );
    await sleep(POLL_MS);
  }
  const table = `${access.database}.${TABLE_LAYOUTS[delivery.resourceType].table}`;
  result.current = {
    ms: performance.now() - answeredAt,
    view: deleted ? `${table} (is_deleted)` : `${table}_current`,
    deleted,
  };
  return result;
}
