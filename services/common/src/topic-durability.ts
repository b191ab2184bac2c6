/**
 * KAFKA_REPLICATION_FACTOR and KAFKA_MIN_INSYNC_REPLICAS: how many copies of every pipeline topic, and how
 * many must have a write before acks=all answers. Unset means "derived from the cluster" (infra/kafka).
 */
import type { EnvReader } from './env-reader.js';

export interface TopicDurabilityConfig {
  replicationFactor?: number;
  minInsyncReplicas?: number;
}

export function readTopicDurability(read: EnvReader): TopicDurabilityConfig {
  const durability: TopicDurabilityConfig = {};
  const range = { min: 1, max: 100 };
  if (read.raw('KAFKA_REPLICATION_FACTOR') !== undefined)
    durability.replicationFactor = read.integer('KAFKA_REPLICATION_FACTOR', 1, range);
  if (read.raw('KAFKA_MIN_INSYNC_REPLICAS') !== undefined)
    durability.minInsyncReplicas = read.integer('KAFKA_MIN_INSYNC_REPLICAS', 1, range);
  const { replicationFactor, minInsyncReplicas } = durability;
  if (
    replicationFactor !== undefined &&
    minInsyncReplicas !== undefined &&
    minInsyncReplicas > replicationFactor
  ) {
    read.problems.push(
      `KAFKA_MIN_INSYNC_REPLICAS: ${minInsyncReplicas} is above KAFKA_REPLICATION_FACTOR ${replicationFactor} (no write could succeed)`,
    );
  }
  return durability;
}
