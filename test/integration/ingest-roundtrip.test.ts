import { EDGE_CASE_FIXTURES, envelopeCodec, FIXTURES, RESOURCE_TYPES } from '@okendo/schemas';
import type { Admin, Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInfra, titleWithSkipReason } from '../harness/infra.js';
import { messagesPerTopic, startTestIngest, type TestIngest } from '../harness/ingest.js';
import { kafkaClient, readMessages } from '../harness/kafka.js';
import { signedHeaders } from '../harness/webhook-signer.js';

const infra = runInfra();

describe.skipIf(infra.kafka === undefined)(
  titleWithSkipReason('ingest: every fixture round-trips through the real broker', infra.unavailable.kafka),
  () => {
    let ingest: TestIngest;
    let kafka: Kafka;
    let admin: Admin;

    beforeAll(async () => {
      const brokers = infra.kafka?.brokers ?? '';
      ingest = await startTestIngest(brokers);
      kafka = kafkaClient(brokers);
      admin = kafka.admin();
      await admin.connect();
    });

    afterAll(async () => {
      await admin?.disconnect();
      await ingest?.stop();
    });

    it('publishes each fixture to its topic, keyed by entity id, with the raw bytes untouched', async () => {
      const fixtures = [...FIXTURES, ...EDGE_CASE_FIXTURES];
      const sent = new Map<string, (typeof fixtures)[number]>();
      const answers = await Promise.all(
        fixtures.map(async (fixture, i) => {
          const id = `msg_roundtrip_${i}`;
          sent.set(id, fixture);
          const response = await fetch(`${ingest.url}/webhooks/okendo`, {
            method: 'POST',
            headers: signedHeaders(ingest.secret, fixture.body, { id, svixHeaders: i % 2 === 1 }),
            body: fixture.body,
          });
          return { name: fixture.name, status: response.status, body: (await response.json()) as unknown };
        }),
      );
      for (const answer of answers)
        expect(answer, answer.name).toMatchObject({ status: 200, body: { status: 'published' } });

      const topics = RESOURCE_TYPES.map((type) => ingest.topic(type));
      const messages = await readMessages(kafka, topics, fixtures.length);
      expect(messages).toHaveLength(fixtures.length);
      for (const message of messages) {
        const envelope = envelopeCodec.decode(message.value);
        const fixture = sent.get(envelope.messageId);
        if (fixture === undefined) throw new Error(`unexpected message ${envelope.messageId}`);
        expect(message.topic, fixture.name).toBe(
          ingest.topic(fixture.resourceType as (typeof RESOURCE_TYPES)[number]),
        );
        expect(message.key, fixture.name).toBe(fixture.entityId);
        expect(envelope.rawBody.equals(Buffer.from(fixture.body, 'utf8')), fixture.name).toBe(true);
        expect(envelope.sequenceNumber, fixture.name).toBe(BigInt(fixture.sequenceNumber));
        expect(envelope).toMatchObject({
          resourceType: fixture.resourceType,
          topic: fixture.topic,
          source: 'default',
        });
        sent.delete(envelope.messageId);
      }
      expect([...sent.keys()]).toEqual([]);
    });

    it('answers a repeated message id with 2xx without publishing it again', async () => {
      const fixture = FIXTURES[0];
      if (fixture === undefined) throw new Error('no fixtures');
      const before = await messagesPerTopic(admin, ingest);
      const headers = signedHeaders(ingest.secret, fixture.body, { id: 'msg_repeated' });
      const statuses: unknown[] = [];
      for (let i = 0; i < 3; i++) {
        const response = await fetch(`${ingest.url}/webhooks/okendo`, {
          method: 'POST',
          headers,
          body: fixture.body,
        });
        statuses.push(await response.json());
      }
      expect(statuses).toEqual([{ status: 'published' }, { status: 'duplicate' }, { status: 'duplicate' }]);
      const after = await messagesPerTopic(admin, ingest);
      expect(after['review']).toBe((before['review'] ?? 0) + 1);
    });
  },
);
