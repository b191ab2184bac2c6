/**
 * Everything the pipeline knows about one message id, hop by hop: the ingest's answers (from its log when
 * given), the Kafka position and the events row, the version it became and whether the entity's state row is
 * still that version, and any dead letter or unrouted delivery it turned into.
 */
import type { WarehouseAccess } from '../warehouse-access.js';
import {
  asResourceType,
  type DeadLetterRow,
  type EventRow,
  findDeadLetters,
  findEventRow,
  findStateRow,
  findUnrouted,
  findVersionRow,
  type StateRow,
  type UnroutedRow,
  type VersionRow,
} from './delivery-rows.js';
import { findIngestAnswers, type IngestLogAnswer } from './ingest-log.js';

/** Printable, bounded: it goes into SQL literals (escaped) and messages. */
const MESSAGE_ID = /^[\x21-\x7e]{1,200}$/;

/** What trace accepts as a message id (the CLI's argument and the console's lookup box alike). */
export function isTraceableMessageId(id: string): boolean {
  return MESSAGE_ID.test(id);
}

export interface MessageTrace {
  messageId: string;
  /** undefined when no --ingest-log was given */
  ingest?: IngestLogAnswer[];
  event?: EventRow;
  version?: VersionRow;
  /** the entity's state row now, and whether it holds this message's version */
  state?: StateRow & { current: boolean };
  deadLetters: DeadLetterRow[];
  unrouted?: UnroutedRow;
}

export function traceFound(trace: MessageTrace): boolean {
  return (
    (trace.ingest?.length ?? 0) > 0 ||
    trace.event !== undefined ||
    trace.deadLetters.length > 0 ||
    trace.unrouted !== undefined
  );
}

export async function traceMessage(
  access: WarehouseAccess,
  messageId: string,
  ingestLog: string | undefined,
): Promise<MessageTrace> {
  const [ingest, event, deadLetters, unrouted] = await Promise.all([
    ingestLog === undefined ? undefined : findIngestAnswers(ingestLog, messageId),
    findEventRow(access, messageId),
    findDeadLetters(access, messageId),
    findUnrouted(access, messageId),
  ]);
  const trace: MessageTrace = { messageId, deadLetters };
  if (ingest !== undefined) trace.ingest = ingest;
  if (unrouted !== undefined) trace.unrouted = unrouted;
  if (event !== undefined) {
    trace.event = event;
    const resourceType = asResourceType(event.resourceType);
    if (resourceType !== undefined) {
      const [version, state] = await Promise.all([
        findVersionRow(access, resourceType, messageId),
        findStateRow(access, resourceType, event.entityId),
      ]);
      if (version !== undefined) trace.version = version;
      if (state !== undefined)
        trace.state = { ...state, current: state.messageId === messageId && !state.deleted };
    }
  }
  return trace;
}

/** The hops as table rows: hop, time, detail. */
export function traceRows(trace: MessageTrace): string[][] {
  const rows: string[][] = [];
  for (const answer of trace.ingest ?? [])
    rows.push([
      'ingest answer',
      answer.at,
      `${answer.status} ${answer.outcome}${answer.code ? ` (${answer.code})` : ''}${answer.source ? `, source ${answer.source}` : ''}`,
    ]);
  if (trace.ingest !== undefined && trace.ingest.length === 0)
    rows.push(['ingest answer', '-', 'not in the log']);
  const { event, version, state, unrouted } = trace;
  if (event !== undefined) {
    rows.push([
      'kafka',
      event.receivedAt,
      `${event.kafkaTopic} partition ${event.kafkaPartition} offset ${event.kafkaOffset} (received by the ingest)`,
    ]);
    rows.push([
      'events row',
      event.insertedAt,
      `${event.resourceType} ${event.eventTopic}, entity ${event.entityId}, sequence ${event.sequenceNumber}, source ${event.source}`,
    ]);
  }
  if (version !== undefined)
    rows.push(['version row', version.insertedAt, `${version.table}, sequence ${version.sequenceNumber}`]);
  if (state !== undefined) {
    const what = state.current
      ? 'current version (in the _current view)'
      : state.messageId === trace.messageId
        ? 'this version, deleted (not in the _current view)'
        : `superseded by message ${state.messageId} (sequence ${state.sequenceNumber}${state.deleted ? ', deleted' : ''})`;
    rows.push(['state row', state.insertedAt, `${state.table}: ${what}`]);
  } else if (event !== undefined) rows.push(['state row', '-', 'none for this entity']);
  for (const dead of trace.deadLetters)
    rows.push([
      'dead letter',
      dead.failedAt,
      `from ${dead.originTopic} partition ${dead.originPartition} offset ${dead.originOffset}: ${dead.error}`,
    ]);
  if (unrouted !== undefined) {
    rows.push([
      'unrouted',
      unrouted.receivedAt,
      `${unrouted.reasonCode}, source ${unrouted.source}, partition ${unrouted.kafkaPartition} offset ${unrouted.kafkaOffset}`,
    ]);
    rows.push(['unrouted row', unrouted.insertedAt, 'unrouted_deliveries']);
  }
  return rows;
}
