/** `lag`'s human output: one line per topic-partition, then a one-line summary. */
import { table } from '../output.js';
import type { LagRow } from './stuck-partitions.js';

const seconds = (row: LagRow): string => (row.lagSeconds === null ? '?' : row.lagSeconds.toFixed(1));

const stuckCell = (row: LagRow): string => {
  if (row.stuckReason === 'oldest_message_older_than_stuck_after') return 'STUCK (oldest message too old)';
  if (row.stuckReason === 'offset_not_moved_for_stuck_after') return 'STUCK (offset not moving)';
  return '';
};

export function lagTable(groupId: string, rows: readonly LagRow[], atMs: number): string {
  const body = table(
    ['topic', 'partition', 'committed', 'end', 'lag', 'lag s', 'stuck'],
    rows.map((row) => [
      row.topic,
      String(row.partition),
      row.committedOffset === null ? '-' : String(row.committedOffset),
      String(row.logEndOffset),
      String(row.lagMessages),
      seconds(row),
      stuckCell(row),
    ]),
  );
  const total = rows.reduce((sum, row) => sum + row.lagMessages, 0);
  const oldest = Math.max(0, ...rows.map((row) => row.lagSeconds ?? 0));
  const stuck = rows.filter((row) => row.stuck).length;
  return `${body}\ngroup ${groupId} at ${new Date(atMs).toISOString()}: ${total} messages behind, oldest ${oldest.toFixed(1)} s, ${stuck} stuck`;
}
