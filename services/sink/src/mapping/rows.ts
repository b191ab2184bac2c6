/**
 * Turns a normalised record into ClickHouse rows under the portable rules of design.md: 64-bit integers as
 * strings, booleans as 0/1, DateTime as `YYYY-MM-DD hh:mm:ss` UTC. One state row per record, plus one row per
 * array item in its child table, each carrying the parent id, sequence_number and position.
 */
import type { ColumnSpec, TableLayout } from './table-layout.js';

export type Row = Record<string, unknown>;

/** epoch milliseconds -> `YYYY-MM-DD hh:mm:ss` (UTC), the DateTime text both engines accept. */
export function toDateTime(epochMs: number | bigint): string {
  return new Date(Number(epochMs)).toISOString().slice(0, 19).replace('T', ' ');
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
}

/** Appends the rows of one record version to `into` (table -> rows). */
export function rowsOf(layout: TableLayout, record: object, meta: RowMeta, into: Map<string, Row[]>): void {
  const fields = record as Readonly<Record<string, unknown>>;
  const add = (table: string, row: Row) => {
    let rows = into.get(table);
    if (rows === undefined) {
      rows = [];
      into.set(table, rows);
    }
    rows.push(row);
  };
  const sequenceNumber = meta.sequenceNumber.toString();
  add(
    layout.table,
    fill(
      {
        sequence_number: sequenceNumber,
        is_deleted: meta.isDeleted ? 1 : 0,
        event_topic: meta.eventTopic,
        message_id: meta.messageId,
        source: meta.source,
        received_at: toDateTime(meta.receivedAtMs),
      },
      layout.columns,
      fields,
    ),
  );
  const parentId = fields[layout.idField];
  for (const child of layout.children) {
    const items = (fields[child.field] as readonly unknown[] | undefined) ?? [];
    items.forEach((item, position) => {
      const row: Row = { [layout.idColumn]: parentId, sequence_number: sequenceNumber, position };
      if (child.itemIsRecord) fill(row, child.columns, item as Record<string, unknown>);
      else row[child.columns[0]?.column ?? 'value'] = item;
      add(child.table, row);
    });
  }
}
