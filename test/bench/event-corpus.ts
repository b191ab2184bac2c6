/**
 * A realistic event corpus for benchmarks: every fixture shape, re-identified so there are many entities, each
 * with several versions, encoded as the envelopes the ingest publishes. Deterministic for a given size.
 */
import { envelopeCodec, FIXTURES, type ResourceType, topicName } from '@okendo/schemas';
import { reidentify } from '../traffic/planned-deliveries.js';

export interface CorpusMessage {
  topic: string;
  key: string;
  value: Buffer;
  resourceType: ResourceType;
}

const routable = FIXTURES.filter((f) => f.topic !== 'delete');

/** `count` envelopes across all resource types; every third event is another version of an earlier entity. */
export function buildCorpus(count: number, prefix: string): CorpusMessage[] {
  const messages: CorpusMessage[] = [];
  const now = BigInt(Date.now());
  for (let i = 0; i < count; i++) {
    const fixture = routable[i % routable.length];
    if (fixture === undefined) throw new Error('no fixtures');
    const entity = Math.floor(i / 3);
    const entityId = `${fixture.entityId.slice(0, 24)}${String(entity).padStart(12, '0')}`;
    const sequenceNumber = BigInt(fixture.sequenceNumber) + BigInt(i);
    const body = reidentify(fixture, entityId, sequenceNumber);
    const resourceType = fixture.resourceType as ResourceType;
    messages.push({
      topic: topicName(resourceType, prefix),
      key: entityId,
      resourceType,
      value: envelopeCodec.encode({
        messageId: `bench-${i}`,
        senderTimestamp: now / 1_000n,
        receivedAtMs: now,
        source: 'default',
        resourceType,
        topic: fixture.topic,
        sequenceNumber,
        version: '2025-02-01',
        subscriberId: null,
        entityId,
        rawBody: Buffer.from(body),
      }),
    });
  }
  return messages;
}
