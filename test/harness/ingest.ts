import { setTimeout as sleep } from 'node:timers/promises';
import { loadIngestConfig, type RunningIngest, startIngest } from '@okendo/ingest';
import { RESOURCE_TYPES, type TopicKey, topicName } from '@okendo/schemas';
import type { Admin } from 'kafkajs';
import { uniqueName } from './names.js';
import { newWebhookSecret } from './webhook-signer.js';

export interface TestIngest extends RunningIngest {
  secret: string;
  prefix: string;
  topic: (key: TopicKey) => string;
}

/**
 * Starts the real ingest (server.ts's start path: topics, producer, HTTP on a free port) with topics of its
 * own, so tests running side by side never see each other's messages.
 */
export async function startTestIngest(
  brokers: string,
  env: Record<string, string> = {},
): Promise<TestIngest> {
  const secret = newWebhookSecret();
  const prefix = `${uniqueName('t')}.`;
  const config = loadIngestConfig({
    KAFKA_BROKERS: brokers,
    OKENDO_WEBHOOK_SECRETS: secret,
    KAFKA_TOPIC_PREFIX: prefix,
    INGEST_HOST: '127.0.0.1',
    INGEST_PORT: '0',
    LOG_LEVEL: 'silent',
    ...env,
  });
  const ingest = await startIngest(config);
  return { ...ingest, secret, prefix, topic: (key) => topicName(key, prefix) };
}

/**
 * Offsets of a topic's partitions; retried, since right after topics are created a broker under load may
 * still answer "not the leader" for a moment.
 */
async function topicOffsets(admin: Admin, topic: string): Promise<Array<{ high: string }>> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await admin.fetchTopicOffsets(topic);
    } catch (error) {
      if (attempt >= 20 || !(error as { retriable?: boolean }).retriable) throw error;
      await sleep(250);
    }
  }
}

/** Messages on each topic so far (sum of the partitions' high watermarks). */
export async function messagesPerTopic(admin: Admin, ingest: TestIngest): Promise<Record<string, number>> {
  const keys: TopicKey[] = [...RESOURCE_TYPES, 'unrouted', 'dead_letter'];
  const counts: Record<string, number> = {};
  for (const key of keys) {
    const offsets = await topicOffsets(admin, ingest.topic(key));
    counts[key] = offsets.reduce((sum, p) => sum + Number(p.high), 0);
  }
  return counts;
}
