/**
 * The sink's pure core: a batch of Kafka messages in, the rows to insert and the dead letters to publish out.
 * Every decodable event goes to the event log, and every mapped version to its version table and its child
 * rows to the child tables (migration 012: the history). Per entity, only the version with the highest
 * sequenceNumber goes to the state table (ReplacingMergeTree keeps the highest across batches, so the result
 * is the same for any order and any number of duplicates; of two versions with the same sequenceNumber the
 * one later in the batch wins, like a later insert, and only it is planned). Writing only the latest state
 * row is a choice of cost: every version would also converge, but would insert and merge one state row per
 * event instead of one per entity and flush. A routable event always maps (mapping policy,
 * mapping/README.md: fields that cannot be read become NULL and mapping issues, never a dead letter); only a
 * message that cannot be read at all becomes a dead letter: every per-message step is guarded, so no input
 * stops the batch. Each row remembers the message it came from, so a row ClickHouse refuses can be
 * dead-lettered too.
 */
import { createHash } from 'node:crypto';
import {
  type DeadLetter,
  deadLetterCodec,
  envelopeCodec,
  isResourceType,
  RESOURCE_RECORD_TYPES,
  type ResourceType,
  unroutedCodec,
  type WebhookEnvelope,
} from '@okendo/schemas';
import { eventTime, fallbackEventTime } from '../mapping/event-time.js';
import { mapResource, type NormalisedRecord } from '../mapping/map-resource.js';
import { type Row, stateRowOf, toDateTime, type VersionRows, versionRowsOf } from '../mapping/rows.js';
import { TABLE_LAYOUTS } from '../mapping/table-layout.js';
import { issueField } from '../mapping/wire-object.js';
import type { ConsumedMessage } from './consumed-message.js';

export interface OutgoingDeadLetter {
  key: Buffer | null;
  letter: DeadLetter;
  /** why, without payload values: what logs may carry */
  reason: string;
}

/** The message a row was planned from (and its envelope, for a resource event). */
export interface RowOrigin {
  message: ConsumedMessage;
  envelope: WebhookEnvelope | undefined;
}

export interface BatchPlan {
  /**
   * table (without database) -> rows, in insert order. The event log comes last: once an event is visible in
   * `events`, the state and child rows of its flush are too (flushes run one at a time).
   */
  rows: Map<string, Row[]>;
  /** where each row came from */
  origins: Map<Row, RowOrigin>;
  deadLetters: OutgoingDeadLetter[];
  /** receive-to-now age of each event, for the freshness metric */
  receivedAtMs: number[];
  /** mapping issues of the events mapped, counted by resource type and normalised field (label-safe) */
  mappingIssues: MappingIssueCount[];
}

export interface MappingIssueCount {
  resourceType: ResourceType;
  /** the field path with array indices normalised, e.g. resource.answeredQuestions[].answer */
  field: string;
  count: number;
}

/** A mapped event: one version of one entity. */
interface Version {
  envelope: WebhookEnvelope;
  record: NormalisedRecord;
  resourceType: ResourceType;
  message: ConsumedMessage;
  occurredAtMs: number;
}

class Planner {
  readonly rows = new Map<string, Row[]>();
  readonly origins = new Map<Row, RowOrigin>();
  readonly deadLetters: OutgoingDeadLetter[] = [];
  readonly receivedAtMs: number[] = [];
  /** per entity (table, id), its highest version */
  readonly latest = new Map<string, Version>();
  /** per version (table, id, sequence number), in batch order; a copy later in the batch replaces it */
  readonly versions = new Map<string, Version>();
  readonly events: Row[] = [];
  readonly issueCounts = new Map<string, MappingIssueCount>();

  constructor(readonly now: number) {}

  push(table: string, row: Row, origin: RowOrigin): void {
    const list = this.rows.get(table);
    if (list === undefined) this.rows.set(table, [row]);
    else list.push(row);
    this.origins.set(row, origin);
  }

  deadLetter(message: ConsumedMessage, error: string, reason: string, envelope?: WebhookEnvelope): void {
    this.deadLetters.push({
      key: message.key,
      letter: newDeadLetter(message, error, envelope, this.now),
      reason,
    });
  }

  countIssues(resourceType: ResourceType, issues: readonly string[]): void {
    for (const issue of issues) {
      const field = issueField(issue);
      const key = `${resourceType}\u0000${field}`;
      const count = this.issueCounts.get(key);
      if (count === undefined) this.issueCounts.set(key, { resourceType, field, count: 1 });
      else count.count += 1;
    }
  }

  /** Parked data is never re-parked on Kafka (no loops): it goes straight to the dead_letters table. */
  parkedDeadLetter(message: ConsumedMessage, error: string): void {
    this.push('dead_letters', deadLetterRow(newDeadLetter(message, error, undefined, this.now), this.now), {
      message,
      envelope: undefined,
    });
  }
}

/** A DateTime cell; a time ClickHouse cannot hold becomes `fallbackMs` (for times the sink itself stamped). */
function dateTimeOr(epochMs: bigint | number, fallbackMs: number): unknown {
  try {
    return toDateTime(epochMs);
  } catch {
    return toDateTime(fallbackMs);
  }
}

function eventRow(envelope: WebhookEnvelope, message: ConsumedMessage): Row {
  const fallback = fallbackEventTime(envelope.senderTimestamp, Number(envelope.receivedAtMs));
  return {
    message_id: envelope.messageId,
    source: envelope.source,
    resource_type: envelope.resourceType,
    event_topic: envelope.topic,
    entity_id: envelope.entityId,
    sequence_number: envelope.sequenceNumber.toString(),
    payload_version: envelope.version,
    subscriber_id: envelope.subscriberId,
    sender_timestamp: toDateTime(envelope.senderTimestamp * 1_000n),
    received_at: toDateTime(envelope.receivedAtMs),
    received_at_ms: envelope.receivedAtMs.toString(),
    // the payload's time once it is parsed (planResourceEvent); this when it cannot be
    occurred_at: toDateTime(fallback.occurredAtMs),
    kafka_topic: message.topic,
    kafka_partition: message.partition,
    kafka_offset: message.offset,
    payload: envelope.rawBody.toString('utf8'),
  };
}

/** The dead letter of a message; `envelope` when the message decoded that far. */
export function newDeadLetter(
  message: ConsumedMessage,
  error: string,
  envelope: WebhookEnvelope | undefined,
  now: number,
): DeadLetter {
  const value = message.value ?? Buffer.alloc(0);
  return {
    error,
    failedAtMs: BigInt(now),
    originTopic: message.topic,
    originPartition: message.partition,
    originOffset: BigInt(message.offset),
    messageId: envelope?.messageId ?? null,
    source: envelope?.source ?? null,
    resourceType: envelope?.resourceType ?? null,
    entityId: envelope?.entityId ?? null,
    sequenceNumber: envelope?.sequenceNumber ?? null,
    originValue: value,
    originSizeBytes: BigInt(value.length),
    originSha256: createHash('sha256').update(value).digest('hex'),
    originTruncated: false,
  };
}

/** A dead_letters row; the payload is the raw body when the origin value is an envelope, else its base64. */
export function deadLetterRow(letter: DeadLetter, now: number): Row {
  let payload: string;
  try {
    payload = envelopeCodec.decode(letter.originValue).rawBody.toString('utf8');
  } catch {
    payload = letter.originValue.toString('base64');
  }
  return {
    message_id: letter.messageId ?? '',
    source: letter.source ?? '',
    resource_type: letter.resourceType ?? '',
    entity_id: letter.entityId ?? '',
    sequence_number: (letter.sequenceNumber ?? 0n) < 0n ? '0' : (letter.sequenceNumber ?? 0n).toString(),
    error: letter.error,
    failed_at: dateTimeOr(letter.failedAtMs, now),
    origin_topic: letter.originTopic,
    origin_partition: letter.originPartition,
    origin_offset: letter.originOffset.toString(),
    payload,
    origin_size_bytes: (letter.originSizeBytes ?? BigInt(letter.originValue.length)).toString(),
    origin_sha256: letter.originSha256 ?? '',
    payload_truncated: letter.originTruncated ? 1 : 0,
  };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function planUnrouted(planner: Planner, message: ConsumedMessage, value: Buffer): void {
  let row: Row;
  try {
    const delivery = unroutedCodec.decode(value);
    row = {
      message_id: delivery.messageId,
      source: delivery.source,
      reason_code: delivery.reasonCode,
      reason: delivery.reason,
      // Stamped by the ingest, not by the sender: a time out of range is a broken producer, not data.
      sender_timestamp: dateTimeOr(delivery.senderTimestamp * 1_000n, planner.now),
      received_at: dateTimeOr(delivery.receivedAtMs, planner.now),
      kafka_partition: message.partition,
      kafka_offset: message.offset,
      payload: delivery.rawBody.toString('utf8'),
      payload_base64: delivery.rawBody.toString('base64'),
    };
  } catch (error) {
    planner.parkedDeadLetter(message, `undecodable unrouted delivery: ${errorText(error)}`);
    return;
  }
  planner.push('unrouted_deliveries', row, { message, envelope: undefined });
}

function planDeadLetter(planner: Planner, message: ConsumedMessage, value: Buffer): void {
  let row: Row;
  try {
    row = deadLetterRow(deadLetterCodec.decode(value), planner.now);
  } catch (error) {
    planner.parkedDeadLetter(message, `undecodable dead letter: ${errorText(error)}`);
    return;
  }
  planner.push('dead_letters', row, { message, envelope: undefined });
}

function planResourceEvent(planner: Planner, message: ConsumedMessage, value: Buffer): void {
  let envelope: WebhookEnvelope;
  try {
    envelope = envelopeCodec.decode(value);
  } catch (error) {
    planner.deadLetter(message, `undecodable envelope: ${errorText(error)}`, 'undecodable envelope');
    return;
  }
  let event: Row;
  try {
    event = eventRow(envelope, message);
  } catch (error) {
    // e.g. senderTimestamp or receivedAtMs outside what DateTime holds: the envelope itself is broken.
    const name = error instanceof Error ? error.name : 'Error';
    planner.deadLetter(message, `envelope not storable: ${errorText(error)}`, `envelope: ${name}`, envelope);
    return;
  }
  planner.events.push(event);
  planner.origins.set(event, { message, envelope });
  planner.receivedAtMs.push(Number(envelope.receivedAtMs));
  const resourceType = envelope.resourceType;
  if (!isResourceType(resourceType)) {
    planner.deadLetter(
      message,
      `unknown resourceType ${JSON.stringify(resourceType)}`,
      'unknown resourceType',
      envelope,
    );
    return;
  }
  let body: unknown;
  try {
    body = JSON.parse(envelope.rawBody.toString('utf8'));
  } catch (error) {
    planner.deadLetter(message, errorText(error), 'invalid JSON', envelope);
    return;
  }
  const record = mapResource(resourceType, body, envelope.entityId);
  // The mapping never throws on data and yields only what the contract allows; a record the contract refuses
  // is a bug in the mapping, dead-lettered as any unexpected error (planBatch's guard) rather than inserted.
  const problems: string[] = [];
  RESOURCE_RECORD_TYPES[resourceType].isValid(record, {
    errorHook: (path: string[]) => problems.push(path.join('.')),
  });
  if (problems.length > 0) throw new Error(`mapped record is invalid at ${problems.join(', ')}`);
  planner.countIssues(resourceType, record.mappingIssues);
  const occurredAtMs = eventTime({
    resourceType,
    topic: envelope.topic,
    body,
    senderTimestampSeconds: envelope.senderTimestamp,
    receivedAtMs: Number(envelope.receivedAtMs),
  }).occurredAtMs;
  event['occurred_at'] = toDateTime(occurredAtMs);
  const version: Version = { envelope, record, resourceType, message, occurredAtMs };
  const entityKey = `${TABLE_LAYOUTS[resourceType].table}\u0000${envelope.entityId}`;
  planner.versions.set(`${entityKey}\u0000${envelope.sequenceNumber}`, version);
  const current = planner.latest.get(entityKey);
  if (current === undefined || envelope.sequenceNumber >= current.envelope.sequenceNumber) {
    planner.latest.set(entityKey, version);
  }
}

/**
 * The rows of every version: its version row and child rows, and for each entity's latest its state row. The
 * state tables come first in the plan, then the version tables, then the child tables. A version that cannot
 * be turned into rows is dead-lettered (and, if it was the latest, the state row stays as it was).
 */
function planVersions(planner: Planner): void {
  const latest = new Set(planner.latest.values());
  const planned: Array<{ rows: VersionRows; table: string; versionTable: string; version: Version }> = [];
  for (const version of planner.versions.values()) {
    const { envelope, record, resourceType, message, occurredAtMs } = version;
    const layout = TABLE_LAYOUTS[resourceType];
    try {
      const rows = versionRowsOf(layout, record, {
        sequenceNumber: envelope.sequenceNumber,
        isDeleted: envelope.topic === 'delete',
        eventTopic: envelope.topic,
        messageId: envelope.messageId,
        source: envelope.source,
        receivedAtMs: Number(envelope.receivedAtMs),
        senderTimestampSeconds: envelope.senderTimestamp,
        occurredAtMs,
      });
      planned.push({ rows, table: layout.table, versionTable: layout.versionTable, version });
    } catch (error) {
      const name = error instanceof Error ? error.name : 'Error';
      planner.deadLetter(message, `record not storable: ${errorText(error)}`, `rows: ${name}`, envelope);
    }
  }
  const origin = ({ message, envelope }: Version): RowOrigin => ({ message, envelope });
  for (const { rows, table, version } of planned)
    if (latest.has(version)) planner.push(table, stateRowOf(rows.version), origin(version));
  for (const { rows, versionTable, version } of planned)
    planner.push(versionTable, rows.version, origin(version));
  for (const { rows, version } of planned) {
    const from = origin(version);
    for (const [table, row] of rows.children) planner.push(table, row, from);
  }
}

export function planBatch(messages: readonly ConsumedMessage[], now = Date.now()): BatchPlan {
  const planner = new Planner(now);
  for (const message of messages) {
    const value = message.value ?? Buffer.alloc(0);
    try {
      if (message.topicKey === 'unrouted') planUnrouted(planner, message, value);
      else if (message.topicKey === 'dead_letter') planDeadLetter(planner, message, value);
      else planResourceEvent(planner, message, value);
    } catch (error) {
      // A step above threw where nothing should: still one dead letter, never a crashed batch.
      if (message.topicKey === 'unrouted' || message.topicKey === 'dead_letter')
        planner.parkedDeadLetter(message, `unexpected: ${errorText(error)}`);
      else planner.deadLetter(message, `unexpected: ${errorText(error)}`, 'unexpected planning error');
    }
  }
  planVersions(planner);
  planner.rows.set('events', planner.events);
  return {
    rows: planner.rows,
    origins: planner.origins,
    deadLetters: planner.deadLetters,
    receivedAtMs: planner.receivedAtMs,
    mappingIssues: [...planner.issueCounts.values()],
  };
}
