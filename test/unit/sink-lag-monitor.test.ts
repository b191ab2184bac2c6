import { createSinkMetrics, LagMonitor } from '@okendo/sink';
import type { Admin } from 'kafkajs';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';

/** A fake kafkajs admin: committed offsets of the group and the partitions' low/high offsets. */
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

async function lagLines(metrics: ReturnType<typeof createSinkMetrics>): Promise<string[]> {
  return (await metrics.registry.metrics())
    .split('\n')
    .filter((l) => l.startsWith('sink_consumer_lag_messages{'));
}

describe('LagMonitor', () => {
  it('measures end offset minus committed offset; nothing committed counts from the low offset', async () => {
    const metrics = createSinkMetrics();
    const admin = fakeAdmin(
      { 't.review': ['10', '-1'] },
      {
        't.review': [
          ['0', '15'],
          ['4', '9'],
        ],
      },
    );
    const monitor = new LagMonitor({
      admin,
      groupId: 'g',
      topics: ['t.review'],
      metrics,
      logger: pino({ level: 'silent' }),
      intervalMs: 60_000,
    });
    await monitor.measure();
    expect(await lagLines(metrics)).toEqual([
      'sink_consumer_lag_messages{topic="t.review",partition="0"} 5',
      'sink_consumer_lag_messages{topic="t.review",partition="1"} 5',
    ]);
  });

  it('keeps rising while nothing is committed (no flush needed)', async () => {
    const metrics = createSinkMetrics();
    const ends: Record<string, Array<[string, string]>> = { 't.review': [['0', '3']] };
    const monitor = new LagMonitor({
      admin: fakeAdmin({ 't.review': ['1'] }, ends),
      groupId: 'g',
      topics: ['t.review'],
      metrics,
      logger: pino({ level: 'silent' }),
      intervalMs: 60_000,
    });
    await monitor.measure();
    ends['t.review'] = [['0', '8']];
    await monitor.measure();
    expect(await lagLines(metrics)).toEqual(['sink_consumer_lag_messages{topic="t.review",partition="0"} 7']);
  });

  it('a broker that does not answer leaves the gauges as they were', async () => {
    const metrics = createSinkMetrics();
    const failing = {
      fetchOffsets: async () => {
        throw new Error('broker down');
      },
    } as unknown as Admin;
    const monitor = new LagMonitor({
      admin: failing,
      groupId: 'g',
      topics: ['t.review'],
      metrics,
      logger: pino({ level: 'silent' }),
      intervalMs: 60_000,
    });
    await expect(monitor.measure()).resolves.toBeUndefined();
    expect(await lagLines(metrics)).toEqual([]);
  });
});
