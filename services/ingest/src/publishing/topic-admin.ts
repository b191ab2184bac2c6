/**
 * What the ingest asks the broker's admin API: the topics it publishes to, their max.message.bytes (start-up
 * size check), and a probe that needs a real broker answer (healing readiness after a failed batch).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { RESOURCE_TYPES, topicName } from '@okendo/schemas';
import type { Admin, ConfigResourceTypes, Kafka } from 'kafkajs';

// ConfigResourceTypes.TOPIC: kafkajs' CommonJS index hides it from Node's named ESM imports.
const TOPIC_RESOURCE = 2 as ConfigResourceTypes;

/** Every resource topic plus unrouted (dead_letter is the sink's). */
export function publishedTopics(prefix: string): string[] {
  return [...RESOURCE_TYPES.map((type) => topicName(type, prefix)), topicName('unrouted', prefix)];
}

/** The effective max.message.bytes of each topic (its override, else the broker's message.max.bytes). */
export async function readMaxMessageBytes(
  admin: Admin,
  topics: readonly string[],
): Promise<ReadonlyMap<string, number>> {
  const described = await admin.describeConfigs({
    resources: topics.map((name) => ({
      type: TOPIC_RESOURCE,
      name,
      configNames: ['max.message.bytes'],
    })),
    includeSynonyms: false,
  });
  const limits = new Map<string, number>();
  for (const resource of described.resources) {
    if (resource.errorCode !== 0) {
      throw new Error(`cannot read the config of topic ${resource.resourceName}: ${resource.errorMessage}`);
    }
    const entry = resource.configEntries.find((e) => e.configName === 'max.message.bytes');
    const value = Number(entry?.configValue);
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new Error(`topic ${resource.resourceName} reports no usable max.message.bytes`);
    }
    limits.set(resource.resourceName, value);
  }
  const missing = topics.filter((topic) => !limits.has(topic));
  if (missing.length > 0) throw new Error(`the broker did not describe topic(s) ${missing.join(', ')}`);
  return limits;
}

/**
 * readMaxMessageBytes with an admin client of its own, connected for the call. A broker that has just started
 * can time out a DescribeConfigs: retriable errors are retried for up to `budgetMs` before start-up fails.
 */
export async function readMaxMessageBytesWith(
  kafka: Kafka,
  topics: readonly string[],
  budgetMs = 30_000,
): Promise<ReadonlyMap<string, number>> {
  const deadline = Date.now() + budgetMs;
  for (let backoffMs = 250; ; backoffMs = Math.min(backoffMs * 2, 4_000)) {
    const admin = kafka.admin();
    try {
      await admin.connect();
      return await readMaxMessageBytes(admin, topics);
    } catch (error) {
      if ((error as { retriable?: unknown }).retriable !== true || Date.now() + backoffMs > deadline)
        throw error;
    } finally {
      await admin.disconnect();
    }
    await sleep(backoffMs);
  }
}

/**
 * Connects a fresh admin client and fetches the topics' metadata: resolves only when the broker answered and
 * every partition has a leader (so a produce can succeed), without writing anything to the data topics.
 */
export function brokerProbe(kafka: Kafka, topics: readonly string[]): () => Promise<void> {
  return async () => {
    const admin = kafka.admin({ retry: { retries: 0 } });
    await admin.connect();
    try {
      const metadata = await admin.fetchTopicMetadata({ topics: [...topics] });
      const leaderless = metadata.topics.flatMap((topic) =>
        topic.partitions
          .filter((p) => p.leader < 0 || p.partitionErrorCode !== 0)
          .map((p) => `${topic.name}/${p.partitionId}`),
      );
      if (leaderless.length > 0) {
        throw new Error(`no leader yet for ${leaderless.length} partition(s), e.g. ${leaderless[0]}`);
      }
    } finally {
      await admin.disconnect();
    }
  };
}
