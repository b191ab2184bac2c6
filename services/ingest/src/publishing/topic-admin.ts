/**
 * What the ingest asks the broker's admin API: the topics it publishes to, their max.message.bytes (start-up
 * size check), and a probe that needs a real broker answer (healing readiness after a failed batch).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { readMaxMessageBytes } from '@okendo/infra/kafka';
import { RESOURCE_TYPES, topicName } from '@okendo/schemas';
import type { Kafka } from 'kafkajs';

/** Every resource topic plus unrouted (dead_letter is the sink's). */
export function publishedTopics(prefix: string): string[] {
  return [...RESOURCE_TYPES.map((type) => topicName(type, prefix)), topicName('unrouted', prefix)];
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
