/**
 * Which partitions are stuck. On one reading: the oldest unconsumed message is older than --stuck-after.
 * Across readings (--watch): messages wait and the committed offset has not moved for --stuck-after. The
 * reason says which rule fired.
 */
import type { PartitionLag } from '@okendo/sink';

export type StuckReason = 'oldest_message_older_than_stuck_after' | 'offset_not_moved_for_stuck_after';

export interface LagRow extends PartitionLag {
  stuck: boolean;
  stuckReason: StuckReason | null;
  /** since when (epoch ms) the committed offset reads as it does now, across the readings of this run */
  offsetUnchangedSinceMs: number;
}

export class StuckTracker {
  private readonly seen = new Map<string, { offset: number | null; sinceMs: number }>();

  constructor(private readonly stuckAfterMs: number) {}

  assess(readings: readonly PartitionLag[], nowMs: number): LagRow[] {
    return readings.map((reading) => {
      const key = `${reading.topic}\u0000${reading.partition}`;
      const before = this.seen.get(key);
      const sinceMs =
        before !== undefined && before.offset === reading.committedOffset ? before.sinceMs : nowMs;
      this.seen.set(key, { offset: reading.committedOffset, sinceMs });
      let stuckReason: StuckReason | null = null;
      if (reading.lagMessages > 0) {
        if (reading.lagSeconds !== null && reading.lagSeconds * 1_000 > this.stuckAfterMs)
          stuckReason = 'oldest_message_older_than_stuck_after';
        else if (nowMs - sinceMs >= this.stuckAfterMs) stuckReason = 'offset_not_moved_for_stuck_after';
      }
      return { ...reading, stuck: stuckReason !== null, stuckReason, offsetUnchangedSinceMs: sinceMs };
    });
  }
}
