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
