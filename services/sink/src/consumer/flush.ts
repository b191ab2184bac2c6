/**
 * One flush, in the order that makes a commit safe: plan the rows, publish the dead letters of what could not
 * be planned, insert the state and child tables, then the event log, dead-letter the rows ClickHouse refused
 * (isolated by bisection), and only then commit. A message whose offset is committed is in ClickHouse or in
 * the dead letters; anything else is consumed again. Failpoints sit between the writes.
 */
import { isResourceType } from '@okendo/schemas';
import type { Logger } from 'pino';
import type { ConsumedMessage } from '../batch/consumed-message.js';
import { describeInsertError } from '../batch/insert-errors.js';
import type { RejectedRow } from '../batch/isolate-rejected-rows.js';
import {
  type BatchPlan,
  deadLetterRow,
  newDeadLetter,
  type OutgoingDeadLetter,
  planBatch,
} from '../batch/plan-batch.js';
import { type BlockedWrite, type RetryPolicy, writeRows } from '../batch/write-plan.js';
import type { Failpoints } from '../failpoints.js';
import type { Row } from '../mapping/rows.js';
import { EVENT_HOPS, type SinkMetrics } from '../metrics.js';
import type { Warehouse } from '../warehouse/warehouse.js';

/** What /readyz reports while a flush cannot be written. */
export interface WriteStatus {
  blocked: { summary: string; systemic: boolean } | undefined;
}

export interface FlushContext {
  warehouse: Pick<Warehouse, 'insertJsonEachRow'>;
  database: string;
  retry: RetryPolicy;
  metrics: SinkMetrics;
  logger: Logger;
  failpoints: Failpoints;
  status: WriteStatus;
  signal: AbortSignal;
  /** publishes dead letters to the dead_letter topic (acks=all), each fitted to the topic's size limit */
  publish: (letters: readonly OutgoingDeadLetter[]) => Promise<void>;
  commit: (messages: readonly ConsumedMessage[]) => Promise<void>;
  onWait?: () => Promise<void>;
}

export async function runFlush(messages: ConsumedMessage[], context: FlushContext): Promise<void> {
  const { metrics, failpoints } = context;
  const flushStartedMs = Date.now();
  const plan = planBatch(messages);
  const events = plan.rows.get('events') ?? [];
  failpoints.beginFlush(events.length > 0);
  await publishDeadLetters(context, plan.deadLetters);

  const firstPhase = new Map([...plan.rows].filter(([table]) => table !== 'events'));
  const rejected = await write(context, firstPhase, STATE_TABLES_AT_ONCE);
  const stateInsertedMs = Date.now();
  failpoints.reach('after-state-insert');
  for (const [table, rows] of await write(context, new Map([['events', events]]))) rejected.set(table, rows);
  failpoints.reach('after-event-log-insert');
  if (rejected.size > 0) await deadLetterRejected(context, plan, rejected);

  const now = Date.now();
  for (const receivedAt of plan.receivedAtMs) metrics.eventAgeSeconds.observe((now - receivedAt) / 1_000);
  observeHops(metrics, plan, events, { flushStartedMs, stateInsertedMs, insertedMs: now });
  metrics.batchMessages.observe(messages.length);
  failpoints.reach('before-commit');
  await context.commit(messages);
  metrics.lastFlushSuccess.set(Date.now() / 1_000);
  // After the commit: a flush that fails before it is consumed and counted again, once it succeeds.
  for (const { resourceType, field, count } of plan.mappingIssues)
    metrics.mappingIssues.inc({ resource_type: resourceType, field }, count);
  for (const [resourceType, atMs] of newestEventByType(events))
    metrics.lastEvent.set({ resource_type: resourceType }, atMs / 1_000);
}

/**
 * State, version and child tables written at once in a flush (a review flush writes about six): each insert
 * waits mostly on the server's round trip and part write, so one after another they were most of the time
 * from Kafka to the _current views. The event log still goes alone, after them all.
 */
const STATE_TABLES_AT_ONCE = 4;

/** Each event's hops (sink_event_hop_seconds), from its envelope and its message's Kafka and consumer times. */
function observeHops(
  metrics: FlushContext['metrics'],
  plan: BatchPlan,
  events: readonly Row[],
  at: { flushStartedMs: number; stateInsertedMs: number; insertedMs: number },
): void {
  const [ingestToKafka, kafkaToSink, flushWait, stateInsert, eventLogInsert] = EVENT_HOPS.map((hop) =>
    metrics.eventHopSeconds.labels({ hop }),
  );
  for (const row of events) {
    const origin = plan.origins.get(row);
    const timing = origin?.message.timing;
    if (origin?.envelope === undefined || timing === undefined) continue;
    ingestToKafka?.observe(
      Math.max(0, timing.kafkaTimestampMs - Number(origin.envelope.receivedAtMs)) / 1_000,
    );
    kafkaToSink?.observe(Math.max(0, timing.consumedAtMs - timing.kafkaTimestampMs) / 1_000);
    flushWait?.observe(Math.max(0, at.flushStartedMs - timing.consumedAtMs) / 1_000);
    stateInsert?.observe((at.stateInsertedMs - at.flushStartedMs) / 1_000);
    eventLogInsert?.observe((at.insertedMs - at.stateInsertedMs) / 1_000);
  }
}

/** Per known resource type (a bounded label set), the newest received_at_ms among the flush's events. */
function newestEventByType(events: readonly Row[]): Map<string, number> {
  const newest = new Map<string, number>();
  for (const row of events) {
    const type = row['resource_type'];
    const atMs = Number(row['received_at_ms']);
    if (typeof type !== 'string' || !isResourceType(type) || !Number.isFinite(atMs)) continue;
    newest.set(type, Math.max(newest.get(type) ?? 0, atMs));
  }
  return newest;
}

async function publishDeadLetters(context: FlushContext, letters: readonly OutgoingDeadLetter[]) {
  if (letters.length === 0) return;
  await context.publish(letters);
  context.metrics.deadLettered.inc(letters.length);
  for (const { letter, reason } of letters) {
    context.logger.warn(
      { origin: `${letter.originTopic}/${letter.originPartition}@${letter.originOffset}`, reason },
      'dead-lettered',
    );
  }
}

function write(context: FlushContext, rows: ReadonlyMap<string, readonly Row[]>, concurrency = 1) {
  const { metrics, logger, status } = context;
  return writeRows(context.warehouse, context.database, rows, {
    concurrency,
    retry: context.retry,
    signal: context.signal,
    ...(context.onWait === undefined ? {} : { onWait: context.onWait }),
    observer: {
      onInserted: (table, count, seconds) => {
        metrics.rowsInserted.inc({ table }, count);
        metrics.insertSeconds.observe({ table }, seconds);
        if (status.blocked !== undefined) {
          logger.info({ previously: status.blocked.summary }, 'inserts succeed again; resuming');
          status.blocked = undefined;
          metrics.paused.set(0);
          metrics.systemicError.reset();
        }
      },
      onBlocked: (blocked) => reportBlocked(context, blocked),
      onRejected: (table, refused) => {
        for (const { errorClass } of refused) metrics.insertRejected.inc({ table, error: errorClass.name });
      },
    },
  });
}

function reportBlocked(context: FlushContext, blocked: BlockedWrite): void {
  const { metrics, logger, status } = context;
  const summary = describeInsertError(blocked.errorClass, blocked.table);
  status.blocked = { summary, systemic: blocked.systemic };
  metrics.insertRetries.inc();
  metrics.paused.set(1);
  if (blocked.systemic)
    metrics.systemicError.set({ table: blocked.table, error: blocked.errorClass.name }, 1);
  const fields = { error: summary, attempt: blocked.attempt, backoffMs: blocked.backoffMs };
  if (blocked.systemic)
    logger.error(fields, 'every row of the flush fails alike: paused, retrying until the cause is fixed');
  else logger.warn(fields, 'insert failed; retrying');
}

/** The first refusal of each message, which becomes its dead letter. */
function refusalsByMessage(plan: BatchPlan, rejected: ReadonlyMap<string, readonly RejectedRow[]>) {
  const byMessage = new Map<ConsumedMessage, { table: string; refusal: RejectedRow }>();
  for (const [table, rows] of rejected) {
    for (const refusal of rows) {
      const origin = plan.origins.get(refusal.row);
      if (origin !== undefined && !byMessage.has(origin.message))
        byMessage.set(origin.message, { table, refusal });
    }
  }
  return byMessage;
}

async function deadLetterRejected(
  context: FlushContext,
  plan: BatchPlan,
  rejected: ReadonlyMap<string, readonly RejectedRow[]>,
): Promise<void> {
  const now = Date.now();
  const letters: OutgoingDeadLetter[] = [];
  const parked: Row[] = [];
  for (const [message, { table, refusal }] of refusalsByMessage(plan, rejected)) {
    const detail = refusal.error instanceof Error ? refusal.error.message : String(refusal.error);
    const error = `ClickHouse refused the ${table} row: ${detail}`;
    const reason = `insert refused: ${describeInsertError(refusal.errorClass, table)}`;
    if (message.topicKey === 'unrouted' || message.topicKey === 'dead_letter') {
      // Already parked data goes straight to the dead_letters table (no loop through Kafka), as base64.
      parked.push(deadLetterRow(newDeadLetter(message, error, undefined, now), now));
      context.logger.warn(
        { origin: `${message.topic}/${message.partition}@${message.offset}`, reason },
        'parked row refused',
      );
    } else {
      const envelope = plan.origins.get(refusal.row)?.envelope;
      letters.push({ key: message.key, letter: newDeadLetter(message, error, envelope, now), reason });
    }
  }
  await publishDeadLetters(context, letters);
  if (parked.length === 0) return;
  const refusedAgain = await write(context, new Map([['dead_letters', parked]]));
  for (const refusal of refusedAgain.get('dead_letters') ?? []) {
    context.logger.error(
      {
        origin: `${String(refusal.row['origin_topic'])}@${String(refusal.row['origin_offset'])}`,
        error: describeInsertError(refusal.errorClass, 'dead_letters'),
      },
      'a refused parked row could not be stored in dead_letters either; it stays at its origin offset only',
    );
  }
}
