/**
 * Turns a normalised record into ClickHouse rows under the portable rules of design.md: 64-bit integers as
 * strings, booleans as 0/1, DateTime as epoch seconds. One state row per record, plus one row per array item
 * in its child table, each carrying the parent id, sequence_number and position; and the version row, the state
 * row plus the version table's own columns (migration 012).
 */
import type { ColumnSpec, TableLayout } from './table-layout.js';

export type Row = Record<string, unknown>;

/** ClickHouse DateTime is a UInt32 of seconds on 18.16 and 26.x alike: 1970-01-01 .. 2106-02-07 06:28:15 UTC. */
export const MAX_DATETIME_SECONDS = 4_294_967_295;

/**
 * A time that ClickHouse DateTime cannot hold. Never retriable: the same input always fails. The sink's callers
 * turn it into a dead letter (or clamp) rather than letting one envelope stop the batch.
 */
export class DateTimeRangeError extends Error {
  readonly code = 'datetime_out_of_range';
  readonly retriable = false;

  constructor(readonly epochMs: number | bigint) {
    super(
      `time ${String(epochMs)} ms is outside what ClickHouse DateTime holds (1970-01-01 .. 2106-02-07 UTC)`,
    );
    this.name = 'DateTimeRangeError';
  }
}

/**
 * epoch milliseconds -> epoch seconds (truncated), the DateTime value both engines read as the same instant
 * whatever the server's or the process's time zone (text such as `2025-01-01 00:00:00` is read in the
 * server's zone). Throws DateTimeRangeError outside 1970-01-01 .. 2106-02-07 UTC: chDB silently clamps such a
 * value, so it must never reach an insert.
 */
export function toDateTime(epochMs: number | bigint): number {
  // Exact for every in-range bigint (far below 2^53); a huge one becomes a huge number or Infinity.
  const ms = Number(epochMs);
  if (!Number.isFinite(ms) || ms < 0 || ms >= (MAX_DATETIME_SECONDS + 1) * 1_000) {
    throw new DateTimeRangeError(epochMs);
  }
  return Math.floor(ms / 1_000);
}

function cell(spec: ColumnSpec, value: unknown): unknown {
  if (value === null || value === undefined) return spec.kind === 'strings' ? [] : null;
  switch (spec.kind) {
    case 'boolean':
      return value ? 1 : 0;
    case 'datetime':
      return toDateTime(value as bigint);
    case 'int64':
      return String(value);
    default:
      return value;
  }
}

function fill(row: Row, columns: readonly ColumnSpec[], source: Readonly<Record<string, unknown>>): Row {
  for (const spec of columns) row[spec.column] = cell(spec, source[spec.field]);
  return row;
}

export interface RowMeta {
  sequenceNumber: bigint;
  isDeleted: boolean;
  eventTopic: string;
  messageId: string;
  source: string;
  receivedAtMs: number;
  /** the Svix signing time, epoch seconds */
  senderTimestampSeconds: bigint;
  /** the event time (event-time.ts), epoch milliseconds */
  occurredAtMs: number;
}

/** The rows of one record version: its version row and its child rows (the state row: stateRowOf). */
export interface VersionRows {
  /** for the version table (every version): the state row's columns plus sender_timestamp */
  version: Row;
  /** [child table, row], one per array item */
  children: Array<[string, Row]>;
}

/**
 * The state row of a version (written for each entity's latest only): the version row without the version
 * table's own column. Made on demand, as most versions of a dense batch (a rebuild's page) are not the latest.
 */
export function stateRowOf(version: Row): Row {
  const { sender_timestamp: _, ...state } = version;
  return state;
}

export function versionRowsOf(layout: TableLayout, record: object, meta: RowMeta): VersionRows {
  const fields = record as Readonly<Record<string, unknown>>;
  const sequenceNumber = meta.sequenceNumber.toString();
  const version = fill(
    {
      sequence_number: sequenceNumber,
      is_deleted: meta.isDeleted ? 1 : 0,
      event_topic: meta.eventTopic,
      message_id: meta.messageId,
      source: meta.source,
      received_at: toDateTime(meta.receivedAtMs),
      occurred_at: toDateTime(meta.occurredAtMs),
      sender_timestamp: toDateTime(meta.senderTimestampSeconds * 1_000n),
    },
    layout.columns,
    fields,
  );
  const children: Array<[string, Row]> = [];
  const parentId = fields[layout.idField];
  for (const child of layout.children) {
    const items = (fields[child.field] as readonly unknown[] | undefined) ?? [];
    items.forEach((item, position) => {
      const row: Row = { [layout.idColumn]: parentId, sequence_number: sequenceNumber, position };
      if (child.itemIsRecord) fill(row, child.columns, item as Record<string, unknown>);
      else row[child.columns[0]?.column ?? 'value'] = item;
      children.push([child.table, row]);
    });
  }
  return { version, children };
}
