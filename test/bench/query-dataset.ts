/**
 * An analyst's dataset for the query bench: six months of a merchant's Okendo events on a ClickHouse server.
 *
 * A base of traffic-generator entities (every resource type, 1-5 versions each, some deletes, every shape
 * variant) is dated over the six months (each entity created at a random time, each later version hours to
 * weeks after the one before; payload dates follow) and goes through the sink's own planBatch and writeRows,
 * so the event log, state, version and child tables hold what the sink would have written. It is then
 * amplified inside ClickHouse: copy n of every row gets `~n` appended to every entity, message and order id,
 * so joins stay within a copy and each copy is another set of customers with the same timeline. The raw
 * payload keeps the base's ids (18.16's replaceAll takes a constant needle only): the queries timed read
 * no id from it, but a rebuild of the amplified log would give the base's entities.
 */
import { type ConsumedMessage, planBatch, type Warehouse, writeRows } from '@okendo/sink';
import { consumedDelivery } from '../traffic/consumed-delivery.js';
import { type PlannedDelivery, planDeliveries, random } from '../traffic/planned-deliveries.js';

const DAY_MS = 86_400_000;

/** Columns that identify an entity, a message or an order: rewritten per copy. */
const REWRITTEN = [
  'message_id',
  'entity_id',
  'review_id',
  'loyalty_transaction_id',
  'loyalty_customer_id',
  'quiz_response_id',
  'survey_response_id',
  'customer_id',
  'order_id',
  'remote_order_id',
  'order_number',
];

/** Tables that are not part of an analyst's data (or are seeded by a migration): not amplified. */
const NOT_AMPLIFIED = new Set([
  'schema_migrations',
  'unrouted_deliveries',
  'dead_letters',
  'dead_letter_redrives',
  'survey_attribution_questions',
]);

const ISO_FIELD = /"(\w+)"(\s*:\s*)"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z"/g;

/** Every ISO date of the body moved to the entity's creation (a year later for expiry dates). */
function redate(body: string, createdMs: number): string {
  return body.replace(ISO_FIELD, (_match, key: string, colon: string) => {
    const ms = /expiry/i.test(key) ? createdMs + 365 * DAY_MS : createdMs;
    return `"${key}"${colon}"${new Date(ms).toISOString()}"`;
  });
}

interface DatedDelivery {
  delivery: PlannedDelivery;
  body: string;
  /** when the version was signed; received a second or two later */
  atMs: number;
}

/** Dates each entity's versions (the plan lists them together, in sequence order) within the window. */
function dateDeliveries(deliveries: readonly PlannedDelivery[], endMs: number, months: number, seed: number) {
  const next = random(seed);
  const startMs = endMs - months * 30 * DAY_MS;
  const dated: DatedDelivery[] = [];
  let entity = '';
  let createdMs = 0;
  let atMs = 0;
  for (const delivery of deliveries) {
    if (delivery.entityId !== entity) {
      entity = delivery.entityId;
      createdMs = startMs + Math.floor(next() * (endMs - startMs));
      atMs = createdMs;
    } else {
      // hours to weeks between versions, mostly short
      atMs = Math.min(endMs, atMs + 3_600_000 + Math.floor(next() ** 2 * 21 * DAY_MS));
    }
    dated.push({ delivery, body: redate(delivery.body, createdMs), atMs });
  }
  return dated;
}

function message(dated: DatedDelivery, offset: number): ConsumedMessage {
  return consumedDelivery(
    dated.delivery,
    offset,
    { sentAtMs: dated.atMs, receivedAtMs: dated.atMs + 1_000 + (offset % 2_000) },
    dated.body,
  );
}

export interface BaseSummary {
  events: number;
  rowsByTable: Record<string, number>;
  deadLetters: number;
}

/** Plans and writes the base through the sink's path, in flushes of `flushSize` messages. */
export async function loadBase(
  warehouse: Warehouse,
  database: string,
  options: { entities: number; months: number; seed: number; flushSize?: number },
): Promise<BaseSummary> {
  const deliveries = planDeliveries({
    prefix: 'a',
    entities: options.entities,
    maxVersionsPerEntity: 5,
    deleteRatio: 0.05,
    seed: options.seed,
  });
  const dated = dateDeliveries(deliveries, Date.now() - 60_000, options.months, options.seed + 1);
  const summary: BaseSummary = { events: 0, rowsByTable: {}, deadLetters: 0 };
  const flushSize = options.flushSize ?? 2_000;
  for (let start = 0; start < dated.length; start += flushSize) {
    const messages = dated.slice(start, start + flushSize).map((d, i) => message(d, start + i));
    const plan = planBatch(messages);
    summary.deadLetters += plan.deadLetters.length;
    const refused = await writeRows(warehouse, database, plan.rows, {
      retry: { initialBackoffMs: 100, maxBackoffMs: 2_000 },
    });
    if (refused.size > 0) throw new Error(`the warehouse refused rows of ${[...refused.keys()].join(', ')}`);
    for (const [table, rows] of plan.rows) {
      summary.rowsByTable[table] = (summary.rowsByTable[table] ?? 0) + rows.length;
    }
    summary.events += plan.rows.get('events')?.length ?? 0;
  }
  return summary;
}

const literal = (text: string) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

interface ColumnRow {
  name: string;
  default_kind: string;
}

/** The amplified tables: every MergeTree table of the database that holds entities. */
async function amplifiedTables(warehouse: Warehouse, database: string): Promise<string[]> {
  const rows = await warehouse.query<{ name: string }>(
    `SELECT name FROM system.tables WHERE database = ${literal(database)} AND engine LIKE '%MergeTree' ORDER BY name`,
  );
  return rows.map((r) => r.name).filter((name) => !NOT_AMPLIFIED.has(name));
}

/**
 * Adds copies `from` .. `to - 1` of every base row (ids without `~`) of every amplified table, with
 * INSERT ... SELECT inside ClickHouse (no rows travel through node).
 */
export async function amplify(
  warehouse: Warehouse,
  database: string,
  from: number,
  to: number,
): Promise<void> {
  for (const table of await amplifiedTables(warehouse, database)) {
    const columns = await warehouse.query<ColumnRow>(
      `SELECT name, default_kind FROM system.columns WHERE database = ${literal(database)} AND table = ${literal(table)}`,
    );
    const stored = columns.filter((c) => c.default_kind !== 'MATERIALIZED' && c.default_kind !== 'ALIAS');
    const names = stored.map((c) => c.name);
    const base = REWRITTEN.find((name) => names.includes(name));
    if (base === undefined) continue;
    const expressions = names.map((name) => {
      return REWRITTEN.includes(name) ? `concat(${name}, '~', toString(copy_n))` : name;
    });
    // 18.16's range() takes one argument: shift it.
    await warehouse.command(
      `INSERT INTO ${database}.${table} (${names.join(', ')})
       SELECT ${expressions.join(', ')}
       FROM ${database}.${table}
       ARRAY JOIN arrayMap(x -> x + ${from}, range(${to - from})) AS copy_n
       WHERE position(${base}, '~') = 0`,
    );
  }
}
