/**
 * Publishes envelopes the way the ingest does, for replay and backfill: Avro-encoded, to the resource type's
 * topic, keyed by entity id with the same (Java-compatible) partitioner, so an entity's events share one
 * partition and stay in order; an idempotent producer with acks=all, and `publish` resolves only once the
 * broker has every message of the call. At most `ratePerSecond` messages a second when set.
 */
import { envelopeCodec, isResourceType, topicName, type WebhookEnvelope } from '@okendo/schemas';
import { type Kafka, Partitioners, type Producer } from 'kafkajs';

export interface EnvelopePublisher {
  publish(envelopes: readonly WebhookEnvelope[]): Promise<void>;
  /** how many messages the broker acknowledged so far */
  readonly published: number;
  close(): Promise<void>;
}

export interface EnvelopePublisherOptions {
  kafka: Kafka;
  topicPrefix: string;
  /** messages per second; unset = as fast as the broker takes them */
  ratePerSecond?: number;
}

/** kafkajs' acks=all (-1). */
const ALL_REPLICAS = -1;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function openEnvelopePublisher(options: EnvelopePublisherOptions): Promise<EnvelopePublisher> {
  const producer: Producer = options.kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  let published = 0;
  let nextSlotAt = Date.now();
  const rate = options.ratePerSecond;

  return {
    get published() {
      return published;
    },
    async publish(envelopes) {
      // Grouped per topic, in the order given (one entity's events keep their order within its partition).
      const perTopic = new Map<string, { key: string; value: Buffer }[]>();
      for (const envelope of envelopes) {
        if (!isResourceType(envelope.resourceType))
          throw new RangeError(`no topic for resource type ${JSON.stringify(envelope.resourceType)}`);
        const topic = topicName(envelope.resourceType, options.topicPrefix);
        const messages = perTopic.get(topic) ?? [];
        messages.push({ key: envelope.entityId, value: envelopeCodec.encode(envelope) });
        perTopic.set(topic, messages);
      }
      if (rate !== undefined && envelopes.length > 0) {
        const wait = nextSlotAt - Date.now();
        if (wait > 0) await sleep(wait);
        nextSlotAt = Math.max(Date.now(), nextSlotAt) + (envelopes.length * 1_000) / rate;
      }
      await producer.sendBatch({
        acks: ALL_REPLICAS,
        topicMessages: [...perTopic].map(([topic, messages]) => ({ topic, messages })),
      });
      published += envelopes.length;
    },
    close: () => producer.disconnect(),
  };
}
