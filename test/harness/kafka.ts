import { type Admin, Kafka, logLevel } from 'kafkajs';
import { uniqueName } from './names.js';

/** A kafkajs client for a test, quiet unless something is wrong. */
export function kafkaClient(brokers: string, clientId = uniqueName('test')): Kafka {
  return new Kafka({ clientId, brokers: brokers.split(','), logLevel: logLevel.WARN });
}

/**
 * Creates a topic only this test uses, and returns its name. Topics are always created explicitly:
 * the broker has auto-create switched off.
 */
export async function createTestTopic(
  admin: Admin,
  options: { partitions: number; prefix?: string },
): Promise<string> {
  const topic = uniqueName(options.prefix ?? 'topic');
  const created = await admin.createTopics({
    topics: [{ topic, numPartitions: options.partitions, replicationFactor: 1 }],
    waitForLeaders: true,
  });
  if (!created) throw new Error(`topic ${topic} already existed`);
  return topic;
}

export interface ReadMessage {
  topic: string;
  partition: number;
  key: string | undefined;
  value: Buffer;
}

/** Reads the first `count` messages of the topics in a throwaway group; fails after `timeoutMs`. */
export async function readMessages(
  kafka: Kafka,
  topics: readonly string[],
  count: number,
  timeoutMs = 30_000,
): Promise<ReadMessage[]> {
  const consumer = kafka.consumer({ groupId: uniqueName('reader') });
  const seen: ReadMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [...topics], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`read ${seen.length} of ${count} messages`)),
        timeoutMs,
      );
      if (count === 0) {
        clearTimeout(timer);
        resolve();
      }
      consumer
        .run({
          eachMessage: async ({ topic, partition, message }) => {
            seen.push({
              topic,
              partition,
              key: message.key?.toString(),
              value: message.value ?? Buffer.alloc(0),
            });
            if (seen.length >= count) {
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
