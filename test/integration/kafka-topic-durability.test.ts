import { ensureTopics, TOPIC_SPECS } from '@okendo/infra/kafka';
import type { Admin, ConfigResourceTypes, Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInfra, titleWithSkipReason } from '../harness/infra.js';
import { kafkaClient } from '../harness/kafka.js';
import { uniqueName } from '../harness/names.js';

const infra = runInfra();
// Kafka's DescribeConfigs source of a value set on the topic itself (not a broker default).
const TOPIC_CONFIG_SOURCE = 1;

describe.skipIf(infra.kafka === undefined)(
  titleWithSkipReason('topic durability on the real broker', infra.unavailable.kafka),
  () => {
    let kafka: Kafka;
    let admin: Admin;
    const prefix = `${uniqueName('durable')}.`;
    let created: string[] = [];

    beforeAll(async () => {
      kafka = kafkaClient(infra.kafka?.brokers ?? '');
      admin = kafka.admin();
      await admin.connect();
    });

    afterAll(async () => {
      if (created.length > 0) await admin?.deleteTopics({ topics: created });
      await admin?.disconnect();
    });

    it('creates every topic with the derived replication factor and its own min.insync.replicas', async () => {
      const report = await ensureTopics(admin, { prefix });
      created = report.created;
      const brokers = (await admin.describeCluster()).brokers.length;
      expect(report.durability).toEqual({
        brokers,
        replicationFactor: Math.min(3, brokers),
        minInsyncReplicas: Math.max(1, Math.min(3, brokers) - 1),
      });
      expect(created).toHaveLength(Object.keys(TOPIC_SPECS).length);
      const metadata = await admin.fetchTopicMetadata({ topics: created });
      for (const topic of metadata.topics)
        for (const partition of topic.partitions)
          expect(partition.replicas).toHaveLength(Math.min(3, brokers));
      const described = await admin.describeConfigs({
        resources: created.map((name) => ({
          type: 2 as ConfigResourceTypes, // TOPIC
          name,
          configNames: ['min.insync.replicas'],
        })),
        includeSynonyms: false,
      });
      expect(described.resources).toHaveLength(created.length);
      for (const resource of described.resources) {
        expect(resource.configEntries).toEqual([
          expect.objectContaining({
            configName: 'min.insync.replicas',
            configValue: String(report.durability.minInsyncReplicas),
            configSource: TOPIC_CONFIG_SOURCE,
          }),
        ]);
      }
      // Run again: everything exists, nothing is weaker than configured.
      const again = await ensureTopics(admin, { prefix });
      expect(again.created).toEqual([]);
      expect(again.durabilityWarnings).toEqual([]);
    });

    it('refuses a replication factor the cluster cannot hold, before creating anything', async () => {
      const brokers = (await admin.describeCluster()).brokers.length;
      const other = `${uniqueName('durable')}.`;
      await expect(ensureTopics(admin, { prefix: other, replicationFactor: brokers + 1 })).rejects.toThrow(
        `replication factor ${brokers + 1} (KAFKA_REPLICATION_FACTOR) needs as many brokers; the cluster has ${brokers}`,
      );
      expect((await admin.listTopics()).filter((name) => name.startsWith(other))).toEqual([]);
    });
  },
);
