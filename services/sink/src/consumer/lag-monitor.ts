/**
 * Consumer lag on a timer, from the group's committed offsets and the partitions' end offsets, independent of
 * flushes: while the sink is stuck (ClickHouse down, a systemic error) the gauges keep rising instead of
 * freezing at their last value. Every sink of a group reports the whole group's lag (same values). The
 * measurement is group-lag.ts's, which `okendo-pipeline lag` uses too.
 */
import type { Admin } from 'kafkajs';
import type { Logger } from 'pino';
import type { SinkMetrics } from '../metrics.js';
import { cachedTimestampReader, measureGroupLag, type TimestampReader } from './group-lag.js';

export interface LagMonitorOptions {
  admin: Admin;
  groupId: string;
  topics: readonly string[];
  metrics: SinkMetrics;
  logger: Logger;
  intervalMs: number;
  /** reads the oldest unconsumed messages' timestamps (sink_consumer_lag_seconds); without it that gauge is unset */
  readTimestamps?: TimestampReader;
}

export class LagMonitor {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly readTimestamps: TimestampReader | undefined;

  constructor(private readonly options: LagMonitorOptions) {
    this.readTimestamps = options.readTimestamps && cachedTimestampReader(options.readTimestamps);
  }

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
      const readings = await measureGroupLag({
        admin,
        groupId,
        topics,
        ...(this.readTimestamps ? { readTimestamps: this.readTimestamps } : {}),
      });
      for (const { topic, partition, lagMessages, lagSeconds } of readings) {
        const labels = { topic, partition: String(partition) };
        metrics.consumerLag.set(labels, lagMessages);
        if (lagSeconds !== null) metrics.consumerLagSeconds.set(labels, lagSeconds);
      }
    } catch (error) {
      logger.debug({ error: error instanceof Error ? error.name : 'Error' }, 'lag measurement failed');
    }
  }
}
