/**
 * Consumer lag on a timer, from the group's committed offsets and the partitions' end offsets, independent of
 * flushes: while the sink is stuck (ClickHouse down, a systemic error) the gauge keeps rising instead of
 * freezing at its last value. Every sink of a group reports the whole group's lag (same values).
 */
import type { Admin } from 'kafkajs';
import type { Logger } from 'pino';
import type { SinkMetrics } from '../metrics.js';

export interface LagMonitorOptions {
  admin: Admin;
  groupId: string;
  topics: readonly string[];
  metrics: SinkMetrics;
  logger: Logger;
  intervalMs: number;
}

export class LagMonitor {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly options: LagMonitorOptions) {}

  start(): void {
    this.timer = setInterval(() => {
      this.running ??= this.measure().finally(() => {
        this.running = undefined;
      });
    }, this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One measurement; a broker that does not answer leaves the gauges as they are (logged at debug). */
  async measure(): Promise<void> {
    const { admin, groupId, topics, metrics, logger } = this.options;
    try {
      const committed = await admin.fetchOffsets({ groupId, topics: [...topics] });
      for (const { topic, partitions } of committed) {
        const ends = await admin.fetchTopicOffsets(topic);
        const next = new Map(partitions.map((p) => [p.partition, BigInt(p.offset)]));
        for (const { partition, high, low } of ends) {
          const done = next.get(partition) ?? -1n;
          // -1: nothing committed yet, so everything still retained is to be consumed.
          const from = done < 0n ? BigInt(low) : done;
          const lag = BigInt(high) - from;
          metrics.consumerLag.set({ topic, partition: String(partition) }, Number(lag < 0n ? 0n : lag));
        }
      }
    } catch (error) {
      logger.debug({ error: error instanceof Error ? error.name : 'Error' }, 'lag measurement failed');
    }
  }
}
