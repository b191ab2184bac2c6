import { setTimeout as sleep } from 'node:timers/promises';
import { envelopeCodec, FIXTURES } from '@okendo/schemas';
import type { Admin, ConfigResourceTypes, Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInfra, titleWithSkipReason } from '../harness/infra.js';
import { startTestIngest, type TestIngest } from '../harness/ingest.js';
import { kafkaClient, readMessages } from '../harness/kafka.js';
import { signedHeaders } from '../harness/webhook-signer.js';

const infra = runInfra();
// ConfigResourceTypes.TOPIC (not a named ESM export of kafkajs' CommonJS index)
const TOPIC_RESOURCE = 2 as ConfigResourceTypes;

const reviewFixture = FIXTURES.find((f) => f.resourceType === 'review' && f.body.includes('"create"'));

/** A review body of its own entity, padded to about `padBytes` more. */
function reviewBody(reviewId: string, padBytes = 0): string {
  if (reviewFixture === undefined) throw new Error('no review fixture');
  const body = JSON.parse(reviewFixture.body) as { resource: Record<string, unknown> };
  body.resource['reviewId'] = reviewId;
  if (padBytes > 0) body.resource['body'] = 'x'.repeat(padBytes);
  return JSON.stringify(body);
}

/** Sets one topic's max.message.bytes and waits until the broker reports it. */
async function setMaxMessageBytes(admin: Admin, topic: string, bytes: number): Promise<void> {
  await admin.alterConfigs({
    validateOnly: false,
    resources: [
      {
        type: TOPIC_RESOURCE,
        name: topic,
        configEntries: [{ name: 'max.message.bytes', value: String(bytes) }],
      },
    ],
  });
  for (let attempt = 0; attempt < 100; attempt++) {
    const { resources } = await admin.describeConfigs({
      resources: [{ type: TOPIC_RESOURCE, name: topic, configNames: ['max.message.bytes'] }],
      includeSynonyms: false,
    });
    if (resources[0]?.configEntries[0]?.configValue === String(bytes)) return;
    await sleep(100);
  }
  throw new Error(`${topic} never reported max.message.bytes=${bytes}`);
}

describe.skipIf(infra.kafka === undefined)(
  titleWithSkipReason('ingest: size limits agree with the broker', infra.unavailable.kafka),
  () => {
    const brokers = infra.kafka?.brokers ?? '';
    let kafka: Kafka;
    let admin: Admin;

    beforeAll(async () => {
      kafka = kafkaClient(brokers);
      admin = kafka.admin();
      await admin.connect();
    });

    afterAll(async () => {
      await admin?.disconnect();
    });

    describe('a topic limit lowered after start-up', () => {
      let ingest: TestIngest;
      beforeAll(async () => {
        ingest = await startTestIngest(brokers);
        await setMaxMessageBytes(admin, ingest.topic('review'), 4_096);
      });
      afterAll(async () => {
        await ingest?.stop();
      });

      const post = async (id: string, body: string) => {
        const response = await fetch(`${ingest.url}/webhooks/okendo`, {
          method: 'POST',
          headers: signedHeaders(ingest.secret, body, { id }),
          body,
        });
        return { status: response.status, body: (await response.json()) as { error?: { code: string } } };
      };

      it('answers 413 to the body that no longer fits, 200 to its batch-mates, which are on the topic', async () => {
        const smallIds = Array.from({ length: 6 }, (_, i) => `msg_size_small_${i}`);
        const [large, ...small] = await Promise.all([
          post('msg_size_large', reviewBody('r-size-large', 8_000)),
          ...smallIds.map((id, i) => post(id, reviewBody(`r-size-${i}`))),
        ]);
        expect(large).toMatchObject({ status: 413, body: { error: { code: 'body_too_large' } } });
        for (const answer of small) expect(answer.status).toBe(200);

        // A resent batch-mate may be on the topic twice (the warehouse dedupes): read all that is there.
        const offsets = await admin.fetchTopicOffsets(ingest.topic('review'));
        const total = offsets.reduce((sum, p) => sum + Number(p.high), 0);
        const messages = await readMessages(kafka, [ingest.topic('review')], total);
        const ids = new Set(messages.map((m) => envelopeCodec.decode(m.value).messageId));
        expect([...ids].sort()).toEqual([...smallIds].sort());
      });
    });

    it('refuses to start when the body limit cannot fit a topic, naming it and both figures', async () => {
      const first = await startTestIngest(brokers);
      await first.stop();
      const unrouted = first.topic('unrouted');
      await setMaxMessageBytes(admin, unrouted, 20_000);
      const sameTopics = { KAFKA_TOPIC_PREFIX: first.prefix, INGEST_ENSURE_TOPICS: 'false' };

      const refused = await startTestIngest(brokers, {
        ...sameTopics,
        INGEST_BODY_LIMIT_BYTES: '30000',
      }).then(
        (ingest) => ingest.stop().then(() => undefined),
        (error: unknown) => error,
      );
      expect(refused).toBeInstanceOf(Error);
      const message = (refused as Error).message;
      expect(message).toContain('INGEST_BODY_LIMIT_BYTES=30000');
      expect(message).toContain(`${unrouted} (max.message.bytes=20000)`);
      expect(message).not.toContain(first.topic('review'));

      const fits = await startTestIngest(brokers, { ...sameTopics, INGEST_BODY_LIMIT_BYTES: '10000' });
      await fits.stop();
    });
  },
);
