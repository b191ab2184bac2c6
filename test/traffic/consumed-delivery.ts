/**
 * A planned delivery as the sink consumes it from Kafka (ConsumedMessage): the envelope the ingest would
 * publish, on the resource type's topic with the entity id as key. For benches and tests that feed planBatch
 * directly, without a broker; and a fixture's envelope.
 */
import { envelopeCodec, topicName, type WebhookEnvelope, type WebhookFixture } from '@okendo/schemas';
import type { ConsumedMessage } from '@okendo/sink';
import type { PlannedDelivery } from './planned-deliveries.js';

export interface ConsumedTimes {
  /** the webhook's signing time (whole seconds in the envelope) */
  sentAtMs: number;
  receivedAtMs: number;
}

/** `body` replaces the delivery's own (e.g. a body dated otherwise). */
export function consumedDelivery(
  delivery: PlannedDelivery,
  offset: number,
  times: ConsumedTimes,
  body: string = delivery.body,
): ConsumedMessage {
  const value = envelopeCodec.encode({
    messageId: delivery.messageId,
    senderTimestamp: BigInt(Math.floor(times.sentAtMs / 1_000)),
    receivedAtMs: BigInt(times.receivedAtMs),
    source: 'default',
    resourceType: delivery.resourceType,
    topic: delivery.topic,
    sequenceNumber: delivery.sequenceNumber,
    version: '2025-02-01',
    subscriberId: null,
    entityId: delivery.entityId,
    rawBody: Buffer.from(body),
  });
  return {
    topic: topicName(delivery.resourceType, 'okendo.'),
    topicKey: delivery.resourceType,
    partition: 0,
    offset: String(offset),
    key: Buffer.from(delivery.entityId),
    value,
    sizeBytes: value.length,
  };
}

/** A fixture's envelope as the ingest publishes it; `fields` gives its id and times, and any override. */
export function fixtureEnvelope(
  fixture: WebhookFixture,
  fields: Pick<WebhookEnvelope, 'messageId' | 'senderTimestamp' | 'receivedAtMs'> & Partial<WebhookEnvelope>,
): WebhookEnvelope {
  return {
    source: 'default',
    resourceType: fixture.resourceType,
    topic: fixture.topic,
    sequenceNumber: BigInt(fixture.sequenceNumber),
    version: '2025-02-01',
    subscriberId: null,
    entityId: fixture.entityId,
    rawBody: Buffer.from(fixture.body),
    ...fields,
  };
}
