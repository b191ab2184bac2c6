import { durabilityProblem, ensureTopics, resolveTopicDurability, TOPIC_SPECS } from '@okendo/infra/kafka';
import type { Admin, ITopicConfig } from 'kafkajs';
import { describe, expect, it } from 'vitest';

describe('resolveTopicDurability', () => {
  it('defaults to min(3, brokers) copies and one fewer in sync, at least 1', () => {
    expect([1, 2, 3, 4, 9].map((brokers) => resolveTopicDurability(brokers))).toEqual([
      { replicationFactor: 1, minInsyncReplicas: 1 },
      { replicationFactor: 2, minInsyncReplicas: 1 },
      { replicationFactor: 3, minInsyncReplicas: 2 },
      { replicationFactor: 3, minInsyncReplicas: 2 },
      { replicationFactor: 3, minInsyncReplicas: 2 },
    ]);
  });

  it('takes what is configured, deriving the other value from it', () => {
    expect(resolveTopicDurability(5, { replicationFactor: 5 })).toEqual({
      replicationFactor: 5,
      minInsyncReplicas: 4,
    });
    expect(resolveTopicDurability(3, { minInsyncReplicas: 3 })).toEqual({
      replicationFactor: 3,
      minInsyncReplicas: 3,
    });
  });

  it('refuses what the cluster cannot honour', () => {
    expect(() => resolveTopicDurability(1, { replicationFactor: 3 })).toThrow(
      'replication factor 3 (KAFKA_REPLICATION_FACTOR) needs as many brokers; the cluster has 1',
    );
    expect(() => resolveTopicDurability(2, { minInsyncReplicas: 3 })).toThrow(
      /min.insync.replicas 3 \(KAFKA_MIN_INSYNC_REPLICAS\) is above the replication factor 2/,
    );
  });
});

describe('durabilityProblem', () => {
  const wanted = { replicationFactor: 3, minInsyncReplicas: 2 };
  it('flags one copy on a multi-broker cluster and a lower min.insync.replicas', () => {
    expect(durabilityProblem({ replicationFactor: 1, minInsyncReplicas: 1 }, wanted, 3)).toBe(
      'replication factor 1 on a 3-broker cluster: losing one broker loses its data; min.insync.replicas 1 below the configured 2: acks=all waits for fewer copies',
    );
    expect(durabilityProblem({ replicationFactor: 2, minInsyncReplicas: 2 }, wanted, 3)).toBe(
      'replication factor 2 below the configured 3',
    );
    expect(durabilityProblem({ replicationFactor: 3, minInsyncReplicas: 2 }, wanted, 3)).toBeUndefined();
    const single = { replicationFactor: 1, minInsyncReplicas: 1 };
    expect(durabilityProblem({ replicationFactor: 1, minInsyncReplicas: 1 }, single, 1)).toBeUndefined();
  });
});

/** An Admin that answers like a 3-broker cluster holding one weak topic (unit test: no broker). */
function fakeAdmin(existing: string): { admin: Admin; created: ITopicConfig[] } {
  const created: ITopicConfig[] = [];
  const admin = {
    describeCluster: async () => ({
      brokers: [1, 2, 3].map((nodeId) => ({ nodeId, host: `b${nodeId}`, port: 9092 })),
      controller: 1,
      clusterId: 'c',
    }),
    listTopics: async () => [existing],
    createTopics: async ({ topics }: { topics: ITopicConfig[] }) => {
      created.push(...topics);
      return true;
    },
    // The weak topic has one replica; the ones just created have three, each with a leader.
    fetchTopicMetadata: async ({ topics }: { topics: string[] }) => ({
      topics: topics.map((name) => ({
        name,
        partitions: [0, 1, 2, 3, 4, 5].map((partitionId) => ({
          partitionId,
          partitionErrorCode: 0,
          leader: 1,
          replicas: name === existing ? [1] : [1, 2, 3],
          isr: name === existing ? [1] : [1, 2, 3],
        })),
      })),
    }),
    describeConfigs: async () => ({
      throttleTime: 0,
      resources: [
        {
          errorCode: 0,
          errorMessage: null,
          resourceName: existing,
          resourceType: 2,
          configEntries: [{ configName: 'min.insync.replicas', configValue: '1' }],
        },
      ],
    }),
  };
  return { admin: admin as unknown as Admin, created };
}

describe('ensureTopics', () => {
  it('creates topics with the derived durability and warns about a weaker existing one', async () => {
    const { admin, created } = fakeAdmin('p.review');
    const warnings: unknown[] = [];
    const report = await ensureTopics(admin, {
      prefix: 'p.',
      logger: { warn: (object, message) => warnings.push({ ...object, message }) },
    });
    expect(report.durability).toEqual({ brokers: 3, replicationFactor: 3, minInsyncReplicas: 2 });
    expect(created).toHaveLength(Object.keys(TOPIC_SPECS).length - 1);
    for (const topic of created) {
      expect(topic.replicationFactor).toBe(3);
      expect(topic.configEntries).toContainEqual({ name: 'min.insync.replicas', value: '2' });
    }
    const problem =
      'replication factor 1 on a 3-broker cluster: losing one broker loses its data; min.insync.replicas 1 below the configured 2: acks=all waits for fewer copies';
    expect(report.durabilityWarnings).toEqual([
      { topic: 'p.review', replicationFactor: 1, minInsyncReplicas: 1, problem },
    ]);
    expect(warnings).toEqual([
      { topic: 'p.review', problem, message: 'topic is less durable than configured' },
    ]);
  });
});
