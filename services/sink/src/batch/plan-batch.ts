/**
 * The sink's pure core: a batch of Kafka messages in, the rows to insert and the dead letters to publish out.
 * Every decodable event goes to the event log; per entity, only the version with the highest sequenceNumber
 * goes to the state and child tables (ReplacingMergeTree keeps the highest across batches, so the result is
 * the same for any order and any number of duplicates). A message that cannot be mapped becomes a dead
 * letter; it never blocks the batch.
 */
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
import { mapResource, type NormalisedRecord } from '../mapping/map-resource.js';
import { type Row, rowsOf, toDateTime } from '../mapping/rows.js';
import { TABLE_LAYOUTS } from '../mapping/table-layout.js';
import type { ConsumedMessage } from './consumed-message.js';

export interface OutgoingDeadLetter {
  key: Buffer | null;
  value: Buffer;
  letter: DeadLetter;
}

export interface BatchPlan {
  /**
   * table (without database) -> rows, in insert order. The event log comes last: once an event is visible in
   * `events`, the state and child rows of its flush are too (flushes run one at a time).
   */
  rows: Map<string, Row[]>;
  deadLetters: OutgoingDeadLetter[];
  /** receive-to-now age of each event, for the freshness metric */
  receivedAtMs: number[];
}

interface Latest {
  envelope: WebhookEnvelope;
  record: NormalisedRecord;
  resourceType: ResourceType;
}

function push(rows: Map<string, Row[]>, table: string, row: Row): void {
  const list = rows.get(table);
  if (list === undefined) rows.set(table, [row]);
  else list.push(row);
}

function eventRow(envelope: WebhookEnvelope, message: ConsumedMessage): Row {
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
    kafka_topic: message.topic,
    kafka_partition: message.partition,
    kafka_offset: message.offset,
    payload: envelope.rawBody.toString('utf8'),
  };
}

/** The dead letter of a message; `envelope` when the message decoded that far. */
function deadLetter(
  message: ConsumedMessage,
  error: string,
  envelope: WebhookEnvelope | undefined,
  now: number,
): DeadLetter {
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
    originValue: message.value ?? Buffer.alloc(0),
  };
}

/** A dead letter bound for the dead_letter topic, keyed like its origin message. */
function outgoing(message: ConsumedMessage, letter: DeadLetter): OutgoingDeadLetter {
  return { key: message.key, value: deadLetterCodec.encode(letter), letter };
}

/** A dead_letters row; the payload is the raw body when the origin value is an envelope, else its base64. */
function deadLetterRow(letter: DeadLetter): Row {
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
    sequence_number: (letter.sequenceNumber ?? 0n).toString(),
    error: letter.error,
    failed_at: toDateTime(letter.failedAtMs),
    origin_topic: letter.originTopic,
    origin_partition: letter.originPartition,
    origin_offset: letter.originOffset.toString(),
    payload,
  };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function planBatch(messages: readonly ConsumedMessage[], now = Date.now()): BatchPlan {
  const rows = new Map<string, Row[]>();
  const deadLetters: OutgoingDeadLetter[] = [];
  const receivedAtMs: number[] = [];
  const latest = new Map<string, Latest>();
  const events: Row[] = [];

  for (const message of messages) {
    const value = message.value ?? Buffer.alloc(0);
    if (message.topicKey === 'unrouted') {
      try {
        const delivery = unroutedCodec.decode(value);
        push(rows, 'unrouted_deliveries', {
          message_id: delivery.messageId,
          source: delivery.source,
          reason_code: delivery.reasonCode,
          reason: delivery.reason,
          sender_timestamp: toDateTime(delivery.senderTimestamp * 1_000n),
          received_at: toDateTime(delivery.receivedAtMs),
          kafka_partition: message.partition,
          kafka_offset: message.offset,
          payload: delivery.rawBody.toString('utf8'),
          payload_base64: delivery.rawBody.toString('base64'),
        });
      } catch (error) {
        // Parked data is never re-parked on Kafka (no loops): it goes straight to the dead_letters table.
        push(
          rows,
          'dead_letters',
          deadLetterRow(
            deadLetter(message, `undecodable unrouted delivery: ${errorText(error)}`, undefined, now),
          ),
        );
      }
      continue;
    }
    if (message.topicKey === 'dead_letter') {
      try {
        push(rows, 'dead_letters', deadLetterRow(deadLetterCodec.decode(value)));
      } catch (error) {
        push(
          rows,
          'dead_letters',
          deadLetterRow(deadLetter(message, `undecodable dead letter: ${errorText(error)}`, undefined, now)),
        );
      }
      continue;
    }

    let envelope: WebhookEnvelope;
    try {
      envelope = envelopeCodec.decode(value);
    } catch (error) {
      deadLetters.push(
        outgoing(message, deadLetter(message, `undecodable envelope: ${errorText(error)}`, undefined, now)),
      );
      continue;
    }
    events.push(eventRow(envelope, message));
    receivedAtMs.push(Number(envelope.receivedAtMs));
    const resourceType = envelope.resourceType;
    if (!isResourceType(resourceType)) {
      deadLetters.push(
        outgoing(
          message,
          deadLetter(message, `unknown resourceType ${JSON.stringify(resourceType)}`, envelope, now),
        ),
      );
      continue;
    }
    let record: NormalisedRecord;
    try {
      record = mapResource(resourceType, JSON.parse(envelope.rawBody.toString('utf8')));
      const problems: string[] = [];
      RESOURCE_RECORD_TYPES[resourceType].isValid(record, {
        errorHook: (path: string[]) => problems.push(path.join('.')),
      });
      if (problems.length > 0) throw new Error(`mapped record is invalid at ${problems.join(', ')}`);
    } catch (error) {
      deadLetters.push(outgoing(message, deadLetter(message, errorText(error), envelope, now)));
      continue;
    }
    const entityKey = `${TABLE_LAYOUTS[resourceType].table}\u0000${envelope.entityId}`;
    const current = latest.get(entityKey);
    if (current === undefined || envelope.sequenceNumber >= current.envelope.sequenceNumber) {
      latest.set(entityKey, { envelope, record, resourceType });
    }
  }

  for (const { envelope, record, resourceType } of latest.values()) {
    rowsOf(
      TABLE_LAYOUTS[resourceType],
      record,
      {
        sequenceNumber: envelope.sequenceNumber,
        isDeleted: envelope.topic === 'delete',
        eventTopic: envelope.topic,
        messageId: envelope.messageId,
        source: envelope.source,
        receivedAtMs: Number(envelope.receivedAtMs),
      },
      rows,
    );
  }
  rows.set('events', events);
  return { rows, deadLetters, receivedAtMs };
}
