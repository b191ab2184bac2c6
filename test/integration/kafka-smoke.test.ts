import { type LocalKafka, startKafka, stopKafka, VERIFIED_KAFKA_VERSIONS } from '@okendo/infra/local';
import type { Admin, Consumer, Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInfra, titleWithSkipReason } from '../harness/infra.js';
import { createTestTopic, kafkaClient } from '../harness/kafka.js';
import { uniqueName } from '../harness/names.js';
import { kafkaToolchainMissing } from '../harness/native-toolchain.js';

const infra = runInfra();
const MESSAGES = 10_000;
const required = process.env['REQUIRE_INFRA'] === '1';

/** A broker the smoke runs on: the run's own, or a native one of another verified version it starts itself. */
interface SmokeTarget {
  title: string;
  skipReason: string | undefined;
  /** its brokers and version, ready to use; `stop` ends what was started for this target */
  provide: () => Promise<{ brokers: string; version: string; stop: () => Promise<void> }>;
}

const runBroker: SmokeTarget = {
  title: `Kafka broker smoke test (the run's broker: ${infra.kafka?.version ?? 'none'}, ${infra.kafka?.source ?? '-'})`,
  skipReason: infra.unavailable.kafka,
  provide: async () => ({
    brokers: infra.kafka?.brokers ?? '',
    version: infra.kafka?.version ?? '',
    stop: async () => {},
  }),
};

/** Every verified version the run's broker is not: each gets its own native broker, started here. */
const otherVersions: SmokeTarget[] = await Promise.all(
  VERIFIED_KAFKA_VERSIONS.filter((version) => version !== infra.kafka?.version).map(async (version) => {
    const missing = await kafkaToolchainMissing([version]);
    return {
      title: `Kafka broker smoke test (own native Kafka ${version})`,
      // Under REQUIRE_INFRA=1 a missing toolchain fails the start in beforeAll instead of skipping.
      skipReason: required ? undefined : missing,
      provide: async () => {
        const broker: LocalKafka = await startKafka({ version });
        return { brokers: broker.brokers, version, stop: async () => void (await stopKafka(broker)) };
      },
    };
  }),
);

/** Reads `expected` messages in a group, committing each batch's offsets only after it was recorded. */
async function consumeInGroup(
  kafka: Kafka,
  topic: string,
  groupId: string,
  expected: number,
): Promise<string[]> {
  const consumer = kafka.consumer({ groupId });
  const seen: string[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`group ${groupId} read ${seen.length}/${expected}`)),
        60_000,
      );
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
            for (const message of batch.messages) {
              seen.push(message.value?.toString() ?? '');
              resolveOffset(message.offset);
            }
            const next = (BigInt(batch.lastOffset()) + 1n).toString();
            await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: next }]);
            await heartbeat();
            if (seen.length >= expected) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return seen;
}

/** Joins the group, then returns whatever it receives until `marker` arrives (the proof it is consuming). */
async function readUntilMarker(
  kafka: Kafka,
  topic: string,
  groupId: string,
  marker: string,
): Promise<string[]> {
  const consumer: Consumer = kafka.consumer({ groupId });
  const seen: string[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    const done = new Promise<void>((resolve, reject) => {
      consumer
        .run({
          eachMessage: async ({ message }) => {
            const value = message.value?.toString() ?? '';
            seen.push(value);
            if (value === marker) resolve();
          },
        })
        .catch(reject);
    });
    await joined;
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ key: 'marker', value: marker }] });
    await producer.disconnect();
    await done;
  } finally {
    await consumer.disconnect();
  }
  return seen;
}

for (const target of [runBroker, ...otherVersions]) {
  describe.skipIf(target.skipReason !== undefined)(
    titleWithSkipReason(target.title, target.skipReason),
    () => {
      let kafka: Kafka;
      let admin: Admin;
      let topic: string;
      let stop = async () => {};

      beforeAll(async () => {
        const broker = await target.provide();
        stop = broker.stop;
        console.log(`[kafka smoke] Kafka ${broker.version} at ${broker.brokers}`);
        kafka = kafkaClient(broker.brokers);
        admin = kafka.admin();
        await admin.connect();
        topic = await createTestTopic(admin, { partitions: 3, prefix: 'smoke' });
      });

      afterAll(async () => {
        await admin?.deleteTopics({ topics: [topic] });
        await admin?.disconnect();
        await stop();
      });

      it('delivers 10,000 messages exactly once per group, and a restarted group resumes from its commits', async () => {
        const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
        await producer.connect();
        const sent = Array.from({ length: MESSAGES }, (_, n) =>
          JSON.stringify({ n, body: `message ${n} ✓` }),
        );
        for (let start = 0; start < MESSAGES; start += 1_000) {
          await producer.send({
            topic,
            acks: -1,
            messages: sent
              .slice(start, start + 1_000)
              .map((value, i) => ({ key: `entity-${(start + i) % 97}`, value })),
          });
        }
        await producer.disconnect();

        const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
        expect(metadata.topics[0]?.partitions).toHaveLength(3);
        const highWatermarks = await admin.fetchTopicOffsets(topic);
        expect(highWatermarks.reduce((sum, p) => sum + Number(p.high), 0)).toBe(MESSAGES);

        const firstGroup = uniqueName('group_a');
        const readByFirst = await consumeInGroup(kafka, topic, firstGroup, MESSAGES);
        expect(readByFirst).toHaveLength(MESSAGES);
        expect(new Set(readByFirst)).toEqual(new Set(sent));

        const [committed] = await admin.fetchOffsets({ groupId: firstGroup, topics: [topic] });
        const committedByPartition = Object.fromEntries(
          (committed?.partitions ?? []).map((p) => [p.partition, p.offset]),
        );
        for (const { partition, high } of highWatermarks) {
          expect(committedByPartition[partition]).toBe(high);
        }

        const readBySecond = await consumeInGroup(kafka, topic, uniqueName('group_b'), MESSAGES);
        expect(readBySecond).toHaveLength(MESSAGES);
        expect(new Set(readBySecond)).toEqual(new Set(sent));

        const marker = `marker-${Date.now()}`;
        const readAfterRestart = await readUntilMarker(kafka, topic, firstGroup, marker);
        expect(readAfterRestart).toEqual([marker]);
      });
    },
  );
}
