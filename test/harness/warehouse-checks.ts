/**
 * What a data team would see, compared with what the traffic ledger says it must see. Duplicates are counted
 * where an analyst can meet them: rows per message id in `events` and per key in the state and child tables
 * once ClickHouse has merged everything (OPTIMIZE ... FINAL), child rows in the `_current` views beyond what the
 * entity has, and the attribution views' totals above the ledger's. Wrong state compares every mapped column
 * and every child row of each `_current` row with the record the sink's own mapping makes of the acknowledged
 * body, as ClickHouse returns it, and counts the versions of stored events missing from the version tables.
 */
import { RESOURCE_TYPES, type ResourceType } from '@okendo/schemas';
import { mapResource, qualifiedName, quoteIdentifier, TABLE_LAYOUTS, type Warehouse } from '@okendo/sink';
import type { ExpectedEntity } from '../traffic/delivery-ledger.js';
import { expectedViewTotals, VIEW_TOTALS, type ViewTotals } from './view-totals.js';

export interface DuplicateCounts {
  /** rows beyond one per message id in events after OPTIMIZE FINAL */
  events: number;
  /** rows beyond one per entity id in the state tables, and per (id, sequence_number) in the version tables, after OPTIMIZE FINAL */
  state: number;
  /** rows beyond one per (parent id, sequence_number, position) after OPTIMIZE FINAL, plus _current child rows beyond the entity's */
  children: number;
  /** what the attribution views count above the ledger's totals */
  views: number;
}

export interface WarehouseCheck {
  duplicates: DuplicateCounts;
  /**
   * entities whose _current row or child rows differ from the ledger's, view totals below the ledger's, and
   * versions (entity id, sequence_number) of `events` missing from their version table
   */
  wrongState: number;
  /** the first few differences, for a person */
  mismatches: string[];
  /** groups per attribution view the ledger expects (0 would make that view's check vacuous) */
  viewGroups: Record<string, number>;
}

const MAX_MISMATCHES = 5;

type Row = Record<string, unknown>;
type TableLayout = (typeof TABLE_LAYOUTS)[ResourceType];
type ColumnSpec = TableLayout['columns'][number];
type ChildTableSpec = TableLayout['children'][number];

/** The state table's layout (the three loyalty transaction types share one table and one layout). */
function layoutOfTable(table: string) {
  const type = RESOURCE_TYPES.find((t) => TABLE_LAYOUTS[t].table === table);
  if (type === undefined) throw new Error(`no layout for table ${table}`);
  return TABLE_LAYOUTS[type];
}

/** How a column is selected so that its value comes back comparable on 18.16 and 26.x, in any time zone. */
function selectColumn(spec: ColumnSpec): string {
  const column = quoteIdentifier(spec.column);
  return spec.kind === 'datetime' ? `toUnixTimestamp(${column}) AS ${column}` : column;
}

/** A record field as ClickHouse returns the column selected by selectColumn. */
function expectedCell(spec: ColumnSpec, value: unknown): unknown {
  if (value === null || value === undefined) return spec.kind === 'strings' ? [] : null;
  switch (spec.kind) {
    case 'boolean':
      return value ? 1 : 0;
    case 'datetime':
      return Math.floor(Number(value) / 1_000);
    case 'int64':
      return String(value);
    default:
      return value;
  }
}

/** An actual cell normalised like expectedCell (64-bit integers arrive as strings, the rest as JSON). */
function actualCell(spec: ColumnSpec, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (spec.kind === 'int64') return String(value);
  if (spec.kind === 'datetime' || spec.kind === 'number' || spec.kind === 'boolean') return Number(value);
  return value;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/** Merges every partition of a table down to one part, deduplicating as its engine does. */
export async function optimizeFinal(warehouse: Warehouse, database: string, table: string): Promise<void> {
  const activeParts = `SELECT partition_id, count() AS parts FROM system.parts WHERE database = '${database}' AND table = '${table}' AND active GROUP BY partition_id`;
  for (let pass = 0; pass < 5; pass++) {
    const partitions = await warehouse.query<{ partition_id: string; parts: string }>(activeParts);
    // A single part that came from one insert still holds that insert's duplicates: merge it too (FINAL).
    const todo = pass === 0 ? partitions : partitions.filter((p) => Number(p.parts) > 1);
    if (todo.length === 0) return;
    for (const { partition_id } of todo) {
      await warehouse.command(
        `OPTIMIZE TABLE ${qualifiedName(database, table)} PARTITION ID '${partition_id}' FINAL`,
      );
    }
  }
  throw new Error(`${database}.${table} did not merge down to one part per partition`);
}

/** Rows beyond one per key: what an analyst counting rows of the merged table sees twice. */
async function extraRows(
  warehouse: Warehouse,
  database: string,
  table: string,
  key: readonly string[],
): Promise<number> {
  await optimizeFinal(warehouse, database, table);
  const columns = key.map(quoteIdentifier).join(', ');
  const [row] = await warehouse.query<{ extra: string | null }>(
    `SELECT sum(n - 1) AS extra FROM (SELECT ${columns}, count() AS n FROM ${qualifiedName(database, table)} GROUP BY ${columns} HAVING n > 1)`,
  );
  return Number(row?.extra ?? 0);
}

/**
 * Versions of the stored events of a state table's resource types that its version table lacks; an event
 * whose rows ClickHouse refused is logged but dead-lettered, and left out.
 */
async function missingVersions(warehouse: Warehouse, database: string, table: string): Promise<number> {
  const layout = layoutOfTable(table);
  const types = RESOURCE_TYPES.filter((t) => TABLE_LAYOUTS[t].table === table).map((t) => `'${t}'`);
  const [row] = await warehouse.query<{ n: string }>(
    `SELECT count() AS n FROM (SELECT DISTINCT entity_id, sequence_number FROM ${qualifiedName(database, 'events')} WHERE resource_type IN (${types.join(', ')}) AND message_id NOT IN (SELECT message_id FROM ${qualifiedName(database, 'dead_letters')})) WHERE (entity_id, sequence_number) NOT IN (SELECT ${quoteIdentifier(layout.idColumn)}, sequence_number FROM ${qualifiedName(database, layout.versionTable)})`,
  );
  return Number(row?.n ?? 0);
}

interface Comparison {
  wrong: number;
  extraChildRows: number;
  mismatches: string[];
}

function compareChildren(
  child: ChildTableSpec,
  entityId: string,
  expectedItems: readonly unknown[],
  actualRows: readonly Row[],
  into: Comparison,
): boolean {
  const note = (text: string) => into.mismatches.push(`${child.table} ${entityId}: ${text}`);
  if (actualRows.length > expectedItems.length)
    into.extraChildRows += actualRows.length - expectedItems.length;
  if (actualRows.length !== expectedItems.length) {
    note(`${actualRows.length} rows, expected ${expectedItems.length}`);
    return false;
  }
  for (const [position, item] of expectedItems.entries()) {
    const row = actualRows[position] as Row;
    if (Number(row['position']) !== position) {
      note(`row ${position} has position ${shown(row['position'])}`);
      return false;
    }
    for (const spec of child.columns) {
      const expected = expectedCell(spec, child.itemIsRecord ? (item as Row)[spec.field] : item);
      const actual = actualCell(spec, row[spec.column]);
      if (!same(expected, actual)) {
        note(`position ${position} ${spec.column} = ${shown(actual)}, expected ${shown(expected)}`);
        return false;
      }
    }
  }
  return true;
}

async function compareTable(
  warehouse: Warehouse,
  database: string,
  table: string,
  entities: readonly ExpectedEntity[],
  into: Comparison,
): Promise<Map<string, Row>> {
  const layout = layoutOfTable(table);
  const id = quoteIdentifier(layout.idColumn);
  const stateRows = await warehouse.query<Row>(
    `SELECT ${[id, 'sequence_number', 'message_id', ...layout.columns.filter((c) => c.column !== layout.idColumn).map(selectColumn)].join(', ')} FROM ${qualifiedName(database, `${table}_current`)}`,
  );
  const current = new Map<string, Row[]>();
  for (const row of stateRows) {
    const key = String(row[layout.idColumn]);
    current.set(key, [...(current.get(key) ?? []), row]);
  }
  const children = new Map<string, Map<string, Row[]>>();
  for (const child of layout.children) {
    const rows = await warehouse.query<Row>(
      `SELECT ${[id, 'position', ...child.columns.map(selectColumn)].join(', ')} FROM ${qualifiedName(database, `${child.table}_current`)} ORDER BY ${id}, position`,
    );
    const byParent = new Map<string, Row[]>();
    for (const row of rows) {
      const key = String(row[layout.idColumn]);
      byParent.set(key, [...(byParent.get(key) ?? []), row]);
    }
    children.set(child.table, byParent);
  }

  const records = new Map<string, Row>();
  for (const entity of entities) {
    const note = (text: string) => into.mismatches.push(`${table}_current ${entity.entityId}: ${text}`);
    const rows = current.get(entity.entityId) ?? [];
    if (entity.deleted) {
      if (rows.length > 0) {
        note('present, expected deleted');
        into.wrong++;
      }
      for (const child of layout.children) {
        const orphans = children.get(child.table)?.get(entity.entityId) ?? [];
        into.extraChildRows += orphans.length;
      }
      continue;
    }
    const record = mapResource(
      entity.delivery.resourceType as ResourceType,
      JSON.parse(entity.delivery.body),
      entity.entityId,
    );
    const fields = record as unknown as Row;
    records.set(entity.entityId, fields);
    const [row] = rows;
    if (row === undefined || rows.length > 1) {
      note(row === undefined ? 'missing' : `${rows.length} rows`);
      into.wrong++;
      continue;
    }
    let ok = true;
    if (String(row['sequence_number']) !== entity.sequenceNumber.toString()) {
      note(`sequence_number = ${shown(row['sequence_number'])}, expected ${entity.sequenceNumber}`);
      ok = false;
    } else if (row['message_id'] !== entity.delivery.messageId) {
      note('message_id is not the acknowledged delivery of that version');
      ok = false;
    }
    for (const spec of ok ? layout.columns : []) {
      const expected = expectedCell(spec, fields[spec.field]);
      const actual = actualCell(spec, row[spec.column]);
      if (!same(expected, actual)) {
        note(`${spec.column} = ${shown(actual)}, expected ${shown(expected)}`);
        ok = false;
        break;
      }
    }
    // Every child table is compared even after a difference, so extra child rows are always counted.
    for (const child of layout.children) {
      const items = (fields[child.field] as readonly unknown[] | undefined) ?? [];
      const actual = children.get(child.table)?.get(entity.entityId) ?? [];
      if (!compareChildren(child, entity.entityId, items, actual, into)) ok = false;
    }
    if (!ok) into.wrong++;
  }
  return records;
}

async function compareViews(
  warehouse: Warehouse,
  database: string,
  expected: ViewTotals,
  into: Comparison,
): Promise<number> {
  let excess = 0;
  for (const view of VIEW_TOTALS) {
    const keys = view.keys.map(quoteIdentifier).join(', ');
    const sums = view.measures.map((m) => `sum(${quoteIdentifier(m)}) AS ${quoteIdentifier(m)}`).join(', ');
    const rows = await warehouse.query<Row>(
      `SELECT ${keys}, ${sums} FROM ${qualifiedName(database, view.view)} GROUP BY ${keys}`,
    );
    const want = expected.get(view.view) ?? new Map<string, number[]>();
    const seen = new Set<string>();
    const check = (key: string, actual: readonly number[], wanted: readonly number[]) => {
      for (const [i, measure] of view.measures.entries()) {
        const a = actual[i] ?? 0;
        const w = wanted[i] ?? 0;
        if (a === w) continue;
        into.mismatches.push(`${view.view} ${key}: ${measure} = ${a}, expected ${w}`);
        if (a > w) excess += a - w;
        else into.wrong++;
      }
    };
    for (const row of rows) {
      const key = JSON.stringify(view.keys.map((k) => row[k]));
      seen.add(key);
      check(
        key,
        view.measures.map((m) => Number(row[m])),
        want.get(key) ?? [],
      );
    }
    for (const [key, wanted] of want) if (!seen.has(key)) check(key, [], wanted);
  }
  return excess;
}

/** Everything the report says about duplicates and state, for one scenario's database. */
export async function checkWarehouse(
  warehouse: Warehouse,
  database: string,
  expected: readonly ExpectedEntity[],
): Promise<WarehouseCheck> {
  const comparison: Comparison = { wrong: 0, extraChildRows: 0, mismatches: [] };
  const duplicates: DuplicateCounts = { events: 0, state: 0, children: 0, views: 0 };
  duplicates.events = await extraRows(warehouse, database, 'events', ['message_id']);

  const records = new Map<string, Map<string, Row>>();
  for (const table of new Set(RESOURCE_TYPES.map((t) => TABLE_LAYOUTS[t].table))) {
    const layout = layoutOfTable(table);
    duplicates.state += await extraRows(warehouse, database, table, [layout.idColumn]);
    duplicates.state += await extraRows(warehouse, database, layout.versionTable, [
      layout.idColumn,
      'sequence_number',
    ]);
    const missing = await missingVersions(warehouse, database, table);
    if (missing > 0)
      comparison.mismatches.push(`${layout.versionTable}: ${missing} versions of events missing`);
    comparison.wrong += missing;
    for (const child of layout.children) {
      duplicates.children += await extraRows(warehouse, database, child.table, [
        layout.idColumn,
        'sequence_number',
        'position',
      ]);
    }
    const entities = expected.filter((e) => e.table === table);
    records.set(table, await compareTable(warehouse, database, table, entities, comparison));
  }
  duplicates.children += comparison.extraChildRows;
  const totals = expectedViewTotals(records);
  duplicates.views = await compareViews(warehouse, database, totals, comparison);
  return {
    duplicates,
    wrongState: comparison.wrong,
    mismatches: comparison.mismatches.slice(0, MAX_MISMATCHES),
    viewGroups: Object.fromEntries([...totals].map(([view, groups]) => [view, groups.size])),
  };
}

export function totalDuplicates(counts: DuplicateCounts): number {
  return counts.events + counts.state + counts.children + counts.views;
}
