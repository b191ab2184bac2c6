/**
 * The Kafka topics of the pipeline: one per resource type, plus `unrouted` (signed deliveries the ingest
 * could not route) and `dead_letter` (events the sink could not map). Created by an admin step before the
 * ingest serves, never by broker auto-create.
 */
import { RESOURCE_TYPES, SPECIAL_TOPICS, type TopicKey, topicName } from '@okendo/schemas';
import type { Admin, ITopicConfig, Kafka } from 'kafkajs';

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

export interface EnsureTopicsOptions {
  prefix: string;
  /** -1 (the default) takes the broker's default.replication.factor. */
  replicationFactor?: number;
}

export interface EnsureTopicsReport {
  created: string[];
  existing: string[];
  /** Existing topics with fewer partitions than declared: left alone, since adding partitions moves keys. */
  underPartitioned: string[];
}

/** Creates every declared topic that does not exist yet; safe to run concurrently and repeatedly. */
export async function ensureTopics(admin: Admin, options: EnsureTopicsOptions): Promise<EnsureTopicsReport> {
  const wanted = (Object.entries(TOPIC_SPECS) as [TopicKey, TopicSpec][]).map(([key, spec]) => ({
    name: topicName(key, options.prefix),
    spec,
  }));
  const present = new Set(await admin.listTopics());
  const missing: ITopicConfig[] = wanted
    .filter(({ name }) => !present.has(name))
    .map(({ name, spec }) => ({
      topic: name,
      numPartitions: spec.partitions,
      replicationFactor: options.replicationFactor ?? -1,
      configEntries: [
        { name: 'retention.ms', value: String(spec.retentionMs) },
        { name: 'cleanup.policy', value: 'delete' },
      ],
    }));
  if (missing.length > 0) {
    // Another instance may create the same topics at the same moment; "already exists" is success here.
    await admin.createTopics({ topics: missing, waitForLeaders: true });
  }
  const existingNames = wanted.filter(({ name }) => present.has(name));
  const metadata =
    existingNames.length === 0
      ? { topics: [] }
      : await admin.fetchTopicMetadata({ topics: existingNames.map(({ name }) => name) });
  const partitionsOf = new Map(metadata.topics.map((t) => [t.name, t.partitions.length]));
  return {
    created: missing.map((t) => t.topic),
    existing: existingNames.map(({ name }) => name),
    underPartitioned: existingNames
      .filter(({ name, spec }) => (partitionsOf.get(name) ?? 0) < spec.partitions)
      .map(({ name }) => name),
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
