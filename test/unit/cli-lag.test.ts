/**
 * The lag measurement (group-lag.ts, shared by the sink's LagMonitor and `okendo-pipeline lag`) over a fake
 * kafkajs admin, and the stuck rules: on one reading the oldest message older than --stuck-after, across
 * readings the committed offset not moving while messages wait.
 */
import {
  cachedTimestampReader,
  createSinkMetrics,
  LagMonitor,
  measureGroupLag,
  type OffsetRequest,
  type PartitionLag,
  partitionKey,
} from '@okendo/sink';
import type { Admin } from 'kafkajs';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { StuckTracker } from '../../services/cli/src/lag/stuck-partitions.js';

function fakeAdmin(committed: Record<string, string[]>, ends: Record<string, Array<[string, string]>>) {
  return {
    fetchOffsets: async ({ topics }: { topics: string[] }) =>
      topics.map((topic) => ({
        topic,
        partitions: (committed[topic] ?? []).map((offset, partition) => ({ partition, offset })),
      })),
    fetchTopicOffsets: async (topic: string) =>
      (ends[topic] ?? []).map(([low, high], partition) => ({ partition, low, high, offset: high })),
  } as unknown as Admin;
}

const NOW = 1_790_000_000_000;

describe('measureGroupLag', () => {
  it('per partition: committed, ends, lag in messages, and seconds from the message at the committed offset', async () => {
    const asked: OffsetRequest[] = [];
    const rows = await measureGroupLag({
      admin: fakeAdmin(
        { 't.review': ['10', '-1', '7'] },
        {
          't.review': [
            ['0', '15'],
            ['4', '9'],
            ['0', '7'],
          ],
        },
      ),
      groupId: 'g',
      topics: ['t.review'],
      now: () => NOW,
      readTimestamps: async (requests) => {
        asked.push(...requests);
        return new Map(
          requests.map((r) => [partitionKey(r.topic, r.partition), NOW - 1_000 * (r.offset + 1)]),
        );
      },
    });
    // Partition 1 committed nothing: it starts at the log start (4); partition 2 is caught up, not asked.
    expect(asked).toEqual([
      { topic: 't.review', partition: 0, offset: 10 },
      { topic: 't.review', partition: 1, offset: 4 },
    ]);
    expect(
      rows.map(({ partition, committedOffset, logEndOffset, lagMessages, lagSeconds }) => ({
        partition,
        committedOffset,
        logEndOffset,
        lagMessages,
        lagSeconds,
      })),
    ).toEqual([
      { partition: 0, committedOffset: 10, logEndOffset: 15, lagMessages: 5, lagSeconds: 11 },
      { partition: 1, committedOffset: null, logEndOffset: 9, lagMessages: 5, lagSeconds: 5 },
      { partition: 2, committedOffset: 7, logEndOffset: 7, lagMessages: 0, lagSeconds: 0 },
    ]);
  });

  it('a committed offset below the log start (retention) counts from the log start; an unread timestamp is null', async () => {
    const [row] = await measureGroupLag({
      admin: fakeAdmin({ t: ['3'] }, { t: [['8', '10']] }),
      groupId: 'g',
      topics: ['t'],
      readTimestamps: async () => new Map(),
    });
    expect(row).toMatchObject({
      committedOffset: 3,
      lagMessages: 2,
      lagSeconds: null,
      oldestUnconsumedAtMs: null,
    });
  });

  it('the cached reader probes again only when the committed offset moved', async () => {
    let probes = 0;
    const reader = cachedTimestampReader(async (requests) => {
      probes += 1;
      return new Map(requests.map((r) => [partitionKey(r.topic, r.partition), r.offset * 10]));
    });
    await reader([{ topic: 't', partition: 0, offset: 5 }]);
    const again = await reader([{ topic: 't', partition: 0, offset: 5 }]);
    expect(again.get(partitionKey('t', 0))).toBe(50);
    expect(probes).toBe(1);
    await reader([{ topic: 't', partition: 0, offset: 6 }]);
    expect(probes).toBe(2);
  });

  it("the sink's LagMonitor sets both gauges from the same reading", async () => {
    const metrics = createSinkMetrics();
    const monitor = new LagMonitor({
      admin: fakeAdmin(
        { 't.review': ['10', '4'] },
        {
          't.review': [
            ['0', '15'],
            ['0', '4'],
          ],
        },
      ),
      groupId: 'g',
      topics: ['t.review'],
      metrics,
      logger: pino({ level: 'silent' }),
      intervalMs: 60_000,
      readTimestamps: async (requests) =>
        new Map(requests.map((r) => [partitionKey(r.topic, r.partition), Date.now() - 42_000])),
    });
    await monitor.measure();
    const lines = (await metrics.registry.metrics()).split('\n');
    expect(lines.filter((l) => l.startsWith('sink_consumer_lag_messages{'))).toEqual([
      'sink_consumer_lag_messages{topic="t.review",partition="0"} 5',
      'sink_consumer_lag_messages{topic="t.review",partition="1"} 0',
    ]);
    const seconds = lines.filter((l) => l.startsWith('sink_consumer_lag_seconds{'));
    expect(seconds[1]).toBe('sink_consumer_lag_seconds{topic="t.review",partition="1"} 0');
    expect(Number(seconds[0]?.split(' ')[1])).toBeGreaterThanOrEqual(42);
  });
});

const reading = (
  committedOffset: number | null,
  lagMessages: number,
  lagSeconds: number | null,
): PartitionLag => ({
  topic: 't',
  partition: 0,
  committedOffset,
  logStartOffset: 0,
  logEndOffset: (committedOffset ?? 0) + lagMessages,
  lagMessages,
  oldestUnconsumedAtMs: null,
  lagSeconds,
});

describe('stuck partitions', () => {
  it('one reading: stuck when the oldest waiting message is older than --stuck-after', () => {
    const tracker = new StuckTracker(60_000);
    const [old] = tracker.assess([reading(5, 3, 61)], NOW);
    expect(old).toMatchObject({ stuck: true, stuckReason: 'oldest_message_older_than_stuck_after' });
    const [young] = new StuckTracker(60_000).assess([reading(5, 3, 59)], NOW);
    expect(young).toMatchObject({ stuck: false, stuckReason: null });
  });

  it('across readings: stuck when messages wait and the committed offset has not moved for --stuck-after', () => {
    const tracker = new StuckTracker(60_000);
    tracker.assess([reading(5, 3, 1)], NOW);
    expect(tracker.assess([reading(5, 4, 2)], NOW + 59_000)[0]?.stuck).toBe(false);
    expect(tracker.assess([reading(5, 4, 2)], NOW + 60_000)[0]).toMatchObject({
      stuck: true,
      stuckReason: 'offset_not_moved_for_stuck_after',
      offsetUnchangedSinceMs: NOW,
    });
    // It moved: the clock starts again. Caught up: never stuck.
    expect(tracker.assess([reading(6, 4, 2)], NOW + 61_000)[0]?.stuck).toBe(false);
    expect(tracker.assess([reading(6, 0, 0)], NOW + 200_000)[0]?.stuck).toBe(false);
  });
});
