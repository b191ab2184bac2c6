/** The per-reason and per-table tallies that rebuild and redrive report in their summaries. */
import type { Row } from '../mapping/rows.js';

export function bump(counts: Record<string, number>, key: string, by = 1): void {
  counts[key] = (counts[key] ?? 0) + by;
}

/** Adds the rows written per table: those planned less those the warehouse refused. */
export function countWritten(
  rowsByTable: Record<string, number>,
  rows: ReadonlyMap<string, readonly Row[]>,
  refused: ReadonlyMap<string, readonly unknown[]>,
): void {
  for (const [table, list] of rows) bump(rowsByTable, table, list.length - (refused.get(table)?.length ?? 0));
}
