/**
 * The Kafka topics of the pipeline: one per resource type, plus `unrouted` (signed deliveries the ingest
 * could not route) and `dead_letter` (events the sink could not map). Created by an admin step before the
 * ingest serves, never by broker auto-create.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { RESOURCE_TYPES, SPECIAL_TOPICS, type TopicKey, topicName } from '@okendo/schemas';
import type { Admin, ITopicConfig, Kafka } from 'kafkajs';
import { describeTopicConfig } from './topic-configs.js';

export interface TopicSpec {
  /** Parallelism of the sink: one consumer per partition at most. Fixed once created (keys would move). */
  partitions: number;
  retentionMs: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Resource topics keep a week: ClickHouse's event log is the long-term record and the replay source. */
const resourceTopic: TopicSpec = { partitions: 6, retentionMs: 7 * DAY_MS };
/** Parked data waits longer for an operator to look at it. */
const parkingTopic: TopicSpec = { partitions: 1, retentionMs: 30 * DAY_MS };

export const TOPIC_SPECS: Readonly<Record<TopicKey, TopicSpec>> = {
  ...(Object.fromEntries(RESOURCE_TYPES.map((type) => [type, resourceTopic])) as Record<
    (typeof RESOURCE_TYPES)[number],
    TopicSpec
  >),
  ...(Object.fromEntries(SPECIAL_TOPICS.map((key) => [key, parkingTopic])) as Record<
    (typeof SPECIAL_TOPICS)[number],
    TopicSpec
  >),
};

/** Copies of every topic and how many must hold a write before acks=all answers. */
export interface TopicDurability {
  replicationFactor: number;
  minInsyncReplicas: number;
}

/**
 * The durability for a cluster of `brokers`: what is configured, else RF = min(3, brokers) and
 * min.insync.replicas = max(1, RF - 1) (one broker may be down and writes still go on). Throws when the
 * configuration cannot work on this cluster.
 */
export function resolveTopicDurability(
  brokers: number,
  configured: { replicationFactor?: number; minInsyncReplicas?: number } = {},
): TopicDurability {
  const replicationFactor = configured.replicationFactor ?? Math.max(1, Math.min(3, brokers));
  const minInsyncReplicas = configured.minInsyncReplicas ?? Math.max(1, replicationFactor - 1);
  if (replicationFactor > brokers) {
    throw new Error(
      `replication factor ${replicationFactor} (KAFKA_REPLICATION_FACTOR) needs as many brokers; the cluster has ${brokers}`,
    );
  }
  if (minInsyncReplicas > replicationFactor) {
    throw new Error(
      `min.insync.replicas ${minInsyncReplicas} (KAFKA_MIN_INSYNC_REPLICAS) is above the replication factor ${replicationFactor}: no acks=all write could succeed`,
    );
  }
  return { replicationFactor, minInsyncReplicas };
}

export interface EnsureTopicsOptions {
  prefix: string;
  /** Unset: min(3, brokers of the cluster). */
  replicationFactor?: number;
  /** Unset: max(1, replicationFactor - 1). */
  minInsyncReplicas?: number;
  /** Where durability warnings about existing topics go (they are in the report either way). */
  logger?: { warn(object: object, message: string): void };
}

/** An existing topic weaker than the configured durability: left alone (changing it is an operator's call). */
export interface DurabilityWarning {
  topic: string;
  replicationFactor: number;
  minInsyncReplicas: number | undefined;
  problem: string;
}

export interface EnsureTopicsReport {
  created: string[];
  existing: string[];
  /** Existing topics with fewer partitions than declared: left alone, since adding partitions moves keys. */
  underPartitioned: string[];
  /** What created topics get, and the broker count it was derived from. */
  durability: TopicDurability & { brokers: number };
  durabilityWarnings: DurabilityWarning[];
}

const MIN_ISR = 'min.insync.replicas';

/**
 * Waits until every partition of the topics has a leader. kafkajs' own wait (createTopics waitForLeaders)
 * gives up when the broker answering has not yet learnt of a topic just created ("does not host this
 * topic-partition": KRaft spreads metadata asynchronously), so it would fail a start-up for nothing.
 */
async function waitForLeaders(admin: Admin, topics: readonly string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no metadata yet';
  for (;;) {
    try {
      const metadata = await admin.fetchTopicMetadata({ topics: [...topics] });
      const waiting = metadata.topics.filter(
        (t) => t.partitions.length === 0 || t.partitions.some((p) => p.leader < 0),
      );
      if (metadata.topics.length === topics.length && waiting.length === 0) return;
      last = `no leader yet for ${waiting.map((t) => t.name).join(', ') || 'some topics'}`;
    } catch (error) {
      if ((error as { retriable?: boolean }).retriable !== true) throw error;
      last = (error as Error).message;
    }
    if (Date.now() > deadline)
      throw new Error(`topics created but without leaders after ${timeoutMs} ms (${last})`);
    await sleep(100);
  }
}

/** min.insync.replicas in effect per topic (the topic's own or the broker default). */
async function minInsyncReplicasOf(admin: Admin, topics: readonly string[]): Promise<Map<string, number>> {
  const { values: described } = await describeTopicConfig(admin, topics, MIN_ISR);
  const values = new Map<string, number>();
  for (const [topic, text] of described) {
    const value = Number(text);
    if (Number.isInteger(value)) values.set(topic, value);
  }
  return values;
}

/** What is weaker in an existing topic than the wanted durability, or undefined. */
export function durabilityProblem(
  actual: { replicationFactor: number; minInsyncReplicas: number | undefined },
  wanted: TopicDurability,
  brokers: number,
): string | undefined {
  const problems: string[] = [];
  if (actual.replicationFactor === 1 && brokers > 1)
    problems.push(`replication factor 1 on a ${brokers}-broker cluster: losing one broker loses its data`);
  else if (actual.replicationFactor < wanted.replicationFactor)
    problems.push(
      `replication factor ${actual.replicationFactor} below the configured ${wanted.replicationFactor}`,
    );
  if (actual.minInsyncReplicas !== undefined && actual.minInsyncReplicas < wanted.minInsyncReplicas)
    problems.push(
      `min.insync.replicas ${actual.minInsyncReplicas} below the configured ${wanted.minInsyncReplicas}: acks=all waits for fewer copies`,
    );
  return problems.length === 0 ? undefined : problems.join('; ');
}

/**
 * Creates every declared topic that does not exist yet, with the configured replication factor and
 * min.insync.replicas; reports existing topics that are weaker. Safe to run concurrently and repeatedly.
 */
export async function ensureTopics(admin: Admin, options: EnsureTopicsOptions): Promise<EnsureTopicsReport> {
  const wanted = (Object.entries(TOPIC_SPECS) as [TopicKey, TopicSpec][]).map(([key, spec]) => ({
    name: topicName(key, options.prefix),
    spec,
  }));
  const cluster = await admin.describeCluster();
  const brokers = cluster.brokers.length;
  const durability = resolveTopicDurability(brokers, options);
  const present = new Set(await admin.listTopics());
  const missing: ITopicConfig[] = wanted
    .filter(({ name }) => !present.has(name))
    .map(({ name, spec }) => ({
      topic: name,
      numPartitions: spec.partitions,
      replicationFactor: durability.replicationFactor,
      configEntries: [
        { name: 'retention.ms', value: String(spec.retentionMs) },
        { name: 'cleanup.policy', value: 'delete' },
        { name: MIN_ISR, value: String(durability.minInsyncReplicas) },
      ],
    }));
  if (missing.length > 0) {
    // Another instance may create the same topics at the same moment; "already exists" is success here.
    await admin.createTopics({ topics: missing, waitForLeaders: false });
    await waitForLeaders(
      admin,
      missing.map((t) => t.topic),
    );
  }
  const existingNames = wanted.filter(({ name }) => present.has(name)).map(({ name }) => name);
  const metadata =
    existingNames.length === 0 ? { topics: [] } : await admin.fetchTopicMetadata({ topics: existingNames });
  const minIsr = await minInsyncReplicasOf(admin, existingNames);
  const durabilityWarnings: DurabilityWarning[] = [];
  for (const topic of metadata.topics) {
    // The weakest partition decides what the topic can lose.
    const replicationFactor = Math.min(...topic.partitions.map((p) => p.replicas.length));
    const actual = { replicationFactor, minInsyncReplicas: minIsr.get(topic.name) };
    const problem = durabilityProblem(actual, durability, brokers);
    if (problem !== undefined) durabilityWarnings.push({ topic: topic.name, ...actual, problem });
  }
  for (const warning of durabilityWarnings)
    options.logger?.warn(
      { topic: warning.topic, problem: warning.problem },
      'topic is less durable than configured',
    );
  const partitionsOf = new Map(metadata.topics.map((t) => [t.name, t.partitions.length]));
  return {
    created: missing.map((t) => t.topic),
    existing: existingNames,
    underPartitioned: wanted
      .filter(({ name, spec }) => present.has(name) && (partitionsOf.get(name) ?? 0) < spec.partitions)
      .map(({ name }) => name),
    durability: { ...durability, brokers },
    durabilityWarnings,
  };
}

/** ensureTopics with an admin client of its own, connected for the call (the services' start-up step). */
export async function ensureTopicsWith(
  kafka: Kafka,
  options: EnsureTopicsOptions,
): Promise<EnsureTopicsReport> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await ensureTopics(admin, options);
  } finally {
    await admin.disconnect();
  }
}
