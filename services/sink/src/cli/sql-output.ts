/**
 * The rows of `npm run sql` as text: an aligned table for a person, JSON Lines or CSV for a program. Rows
 * are JSONEachRow objects (64-bit integers arrive as strings, arrays and tuples as JSON arrays).
 */
import type { OutputFormat } from './sql-command-line.js';

/** A table cell longer than this is cut with an ellipsis (--format json or csv give whole values). */
export const TABLE_CELL_MAX = 60;

type Row = Record<string, unknown>;

/** The columns in the order of the first row; a key first seen in a later row goes last. */
function columnsOf(rows: readonly Row[]): string[] {
  const columns = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) columns.add(key);
  return [...columns];
}

/** A value as text: NULL as `null` (json), `NULL` (table) or empty (csv); arrays and objects as JSON. */
function text(value: unknown, nullText: string): string {
  if (value === null || value === undefined) return nullText;
  if (typeof value === 'string') return value;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function tableCell(value: unknown): string {
  // One row per line: a line break or tab inside a value is shown escaped.
  const shown = text(value, 'NULL').replace(/\r/g, '\\r').replace(/\n/g, '\\n').replace(/\t/g, '\\t');
  const chars = [...shown];
  return chars.length > TABLE_CELL_MAX ? `${chars.slice(0, TABLE_CELL_MAX - 1).join('')}…` : shown;
}

const width = (cell: string): number => [...cell].length;

function table(rows: readonly Row[]): string {
  const columns = columnsOf(rows);
  if (columns.length === 0) return '';
  const cells = rows.map((row) => columns.map((column) => tableCell(row[column])));
  const widths = columns.map((column, i) =>
    Math.max(width(column), ...cells.map((line) => width(line[i] ?? ''))),
  );
  // Numbers right-aligned, as a person expects to compare them; everything else left-aligned.
  const numeric = columns.map((column) => rows.some((row) => typeof row[column] === 'number'));
  const line = (values: readonly string[], alignNumbers: boolean) =>
    values
      .map((value, i) => {
        const pad = ' '.repeat((widths[i] ?? 0) - width(value));
        return alignNumbers && numeric[i] ? pad + value : value + pad;
      })
      .join(' | ')
      .trimEnd();
  return [
    line(columns, false),
    widths.map((w) => '-'.repeat(w)).join('-+-'),
    ...cells.map((values) => line(values, true)),
  ]
    .map((l) => `${l}\n`)
    .join('');
}

function csvField(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function csv(rows: readonly Row[]): string {
  const columns = columnsOf(rows);
  if (columns.length === 0) return '';
  const lines = [columns, ...rows.map((row) => columns.map((column) => text(row[column], '')))];
  return lines.map((values) => `${values.map(csvField).join(',')}\n`).join('');
}

/** The whole answer; '' for no rows (JSONEachRow gives no column names without a row). */
export function formatRows(rows: readonly Row[], format: OutputFormat): string {
  switch (format) {
    case 'json':
      return rows.map((row) => `${JSON.stringify(row)}\n`).join('');
    case 'csv':
      return csv(rows);
    case 'table':
      return table(rows);
  }
}
