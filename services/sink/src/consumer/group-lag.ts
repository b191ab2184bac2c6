/**
 * A consumer group's lag per topic-partition, in messages and in seconds: the one measurement behind the sink's
 * lag gauges (lag-monitor.ts) and `okendo-pipeline lag`, so both always show the same figures.
 *
 * Messages: the partition's end offset minus the group's committed offset (the next offset it will read); a
 * partition with nothing committed counts everything still retained. Seconds: the age of the oldest unconsumed
 * message, i.e. now minus the timestamp of the message at the committed offset. Kafka's admin API has no call
 * that returns a message's timestamp, so a reader fetches those messages with a short-lived consumer that
 * never commits (probeMessageTimestamps).
 */
import { randomUUID } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';

export interface PartitionLag {
  topic: string;
  partition: number;
  /** the group's committed offset (the next message it reads); null when it has committed nothing here */
  committedOffset: number | null;
  /** the first offset still retained */
  logStartOffset: number;
  /** the offset the next produced message gets (high watermark) */
  logEndOffset: number;
  lagMessages: number;
  /** Kafka timestamp (ms) of the oldest unconsumed message; null when none is waiting or it could not be read */
  oldestUnconsumedAtMs: number | null;
  /** 0 when nothing is waiting; null when messages wait but their timestamp could not be read */
  lagSeconds: number | null;
}

export interface OffsetRequest {
  topic: string;
  partition: number;
  offset: number;
}

/** Timestamps (ms) of the first message at or after each requested offset, by partitionKey(). */
export type TimestampReader = (requests: readonly OffsetRequest[]) => Promise<Map<string, number>>;

export const partitionKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

export interface GroupLagOptions {
  admin: Admin;
  groupId: string;
  topics: readonly string[];
  /** without one, lagSeconds is null wherever messages wait */
  readTimestamps?: TimestampReader;
  now?: () => number;
}

/** One reading of the group's lag on every partition of `topics`, sorted by topic and partition. */
export async function measureGroupLag(options: GroupLagOptions): Promise<PartitionLag[]> {
  const { admin, groupId, topics } = options;
  const committed = await admin.fetchOffsets({ groupId, topics: [...topics] });
  const rows: PartitionLag[] = [];
  for (const { topic, partitions } of committed) {
    const next = new Map(partitions.map((p) => [p.partition, Number(p.offset)]));
    for (const { partition, high, low } of await admin.fetchTopicOffsets(topic)) {
      const done = next.get(partition) ?? -1;
      const start = Number(low);
      const end = Number(high);
      // -1: nothing committed yet. A committed offset below the log start was deleted by retention: the group
      // resumes at the log start (auto.offset.reset aside), so that is what it still has to read.
      const from = done < 0 ? start : Math.max(done, start);
      rows.push({
        topic,
        partition,
        committedOffset: done < 0 ? null : done,
        logStartOffset: start,
        logEndOffset: end,
        lagMessages: Math.max(0, end - from),
        oldestUnconsumedAtMs: null,
        lagSeconds: 0,
      });
    }
  }
  rows.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  const waiting = rows.filter((row) => row.lagMessages > 0);
  const stamps =
    waiting.length > 0 && options.readTimestamps
      ? await options.readTimestamps(
          waiting.map((row) => ({
            topic: row.topic,
            partition: row.partition,
            offset: Math.max(row.committedOffset ?? row.logStartOffset, row.logStartOffset),
          })),
        )
      : new Map<string, number>();
  const now = (options.now ?? Date.now)();
  for (const row of waiting) {
    const at = stamps.get(partitionKey(row.topic, row.partition));
    row.oldestUnconsumedAtMs = at ?? null;
    row.lagSeconds = at === undefined ? null : Math.max(0, (now - at) / 1_000);
  }
  return rows;
}

export interface ProbeOptions {
  /** give up on the partitions not read by then (their lagSeconds stays null) */
  timeoutMs?: number;
}

/**
 * Reads the timestamp of the message at each requested offset with a consumer of its own throwaway group: it
 * seeks, takes the first message of each partition and pauses it. It never commits, so the broker drops the
 * empty group and the measured group's offsets are untouched.
 */
export function probeMessageTimestamps(kafka: Kafka, probe: ProbeOptions = {}): TimestampReader {
  return async (requests) => {
    const found = new Map<string, number>();
    const wanted = new Map(requests.map((r) => [partitionKey(r.topic, r.partition), r]));
    if (wanted.size === 0) return found;
    const consumer = kafka.consumer({
      groupId: `okendo-lag-probe-${randomUUID()}`,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 250,
      maxBytesPerPartition: 64 * 1_024,
      retry: { retries: 2 },
    });
    let finish: () => void = () => {};
    const allFound = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const timer = setTimeout(finish, probe.timeoutMs ?? 15_000);
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [...new Set(requests.map((r) => r.topic))], fromBeginning: false });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch }) => {
          const key = partitionKey(batch.topic, batch.partition);
          const request = wanted.get(key);
          if (request === undefined || found.has(key)) return;
          const first = batch.messages.find((m) => Number(m.offset) >= request.offset);
          if (first === undefined) return;
          found.set(key, Number(first.timestamp));
          consumer.pause([{ topic: batch.topic, partitions: [batch.partition] }]);
          if (found.size === wanted.size) finish();
        },
      });
      // Partitions not requested stay at the end (fromBeginning false), so they fetch nothing.
      for (const r of wanted.values())
        consumer.seek({ topic: r.topic, partition: r.partition, offset: String(r.offset) });
      await allFound;
    } finally {
      clearTimeout(timer);
      await consumer.disconnect().catch(() => {});
    }
    return found;
  };
}

/**
 * Remembers the last timestamp read per partition and offset: while a group stands still (the sink stopped or
 * blocked) each reading reuses it instead of probing again.
 */
export function cachedTimestampReader(reader: TimestampReader): TimestampReader {
  const last = new Map<string, { offset: number; at: number }>();
  return async (requests) => {
    const result = new Map<string, number>();
    const missing: OffsetRequest[] = [];
    for (const r of requests) {
      const key = partitionKey(r.topic, r.partition);
      const known = last.get(key);
      if (known !== undefined && known.offset === r.offset) result.set(key, known.at);
      else missing.push(r);
    }
    if (missing.length > 0) {
      const read = await reader(missing);
      for (const r of missing) {
        const key = partitionKey(r.topic, r.partition);
        const at = read.get(key);
        if (at === undefined) continue;
        result.set(key, at);
        last.set(key, { offset: r.offset, at });
      }
    }
    return result;
  };
}
