/**
 * An `events` row turned back into what the live sink consumed: the WebhookEnvelope the ingest published and
 * the ConsumedMessage carrying it (Avro-encoded with the envelope codec), so a replay goes through planBatch,
 * the live sink's own mapping and reduction, unchanged.
 */
import { envelopeCodec, isResourceType, type WebhookEnvelope, type WebhookTopic } from '@okendo/schemas';
import type { ConsumedMessage } from '../batch/consumed-message.js';
import type { EventLogRow } from './event-log-reader.js';

const TOPICS: readonly string[] = ['create', 'update', 'delete'] satisfies readonly WebhookTopic[];

export type ReplayedEvent =
  | { ok: true; envelope: WebhookEnvelope; message: ConsumedMessage }
  /** a row no envelope can be made of (the live sink never writes one; a hand-made row could) */
  | { ok: false; reason: string };

export function replayedEvent(row: EventLogRow): ReplayedEvent {
  if (!isResourceType(row.resource_type)) return { ok: false, reason: 'unknown resource type' };
  if (!TOPICS.includes(row.event_topic)) return { ok: false, reason: 'unknown event topic' };
  let envelope: WebhookEnvelope;
  let value: Buffer;
  try {
    envelope = {
      messageId: row.message_id,
      senderTimestamp: BigInt(row.sender_seconds),
      receivedAtMs: BigInt(row.received_at_ms),
      source: row.source,
      resourceType: row.resource_type,
      topic: row.event_topic as WebhookTopic,
      sequenceNumber: BigInt(row.sequence_number),
      version: row.payload_version,
      subscriberId: row.subscriber_id,
      entityId: row.entity_id,
      rawBody: Buffer.from(row.payload, 'utf8'),
    };
    value = envelopeCodec.encode(envelope);
  } catch (error) {
    // e.g. a sequence_number above the Avro long range
    return { ok: false, reason: `not an envelope: ${error instanceof Error ? error.name : 'Error'}` };
  }
  return {
    ok: true,
    envelope,
    message: {
      topic: row.kafka_topic,
      topicKey: row.resource_type,
      partition: Number(row.kafka_partition),
      offset: row.kafka_offset,
      key: Buffer.from(row.entity_id),
      value,
      sizeBytes: value.length,
    },
  };
}
