/**
 * Reads the event log (`events`) back in pages, in the table's own order (entity_id, message_id), with keyset
 * pagination: each page starts after the last key of the previous one, so memory stays at one page whatever
 * the size of the log, and no page is ever skipped or read twice by an OFFSET shifting under concurrent
 * inserts. A page is read in two steps: the next `pageSize` keys (key columns only, cheap to scan), then the
 * whole rows of that key range with FINAL, so the payloads read are those of the page only and a message
 * stored twice (a redelivery not merged yet) comes back once.
 */
import { isResourceType, type ResourceType } from '@okendo/schemas';
import { qualifiedName, type Warehouse } from '../warehouse/warehouse.js';

/** Which events to read; every part is optional (all of them by default). */
export interface EventLogFilter {
  resourceTypes?: readonly ResourceType[];
  sources?: readonly string[];
  /** received_at >= since (epoch ms) */
  sinceMs?: number;
  /** received_at < until (epoch ms) */
  untilMs?: number;
  /** only these message ids */
  messageIds?: readonly string[];
}

/** One `events` row as read back: 64-bit integers as strings (both engines), times as epoch numbers. */
export interface EventLogRow {
  message_id: string;
  source: string;
  resource_type: string;
  event_topic: string;
  entity_id: string;
  sequence_number: string;
  payload_version: string;
  subscriber_id: string | null;
  sender_seconds: number | string;
  received_at_ms: string;
  /** occurred_at as stored (migration 012): what the sink derived, or sender_timestamp for older rows */
  occurred_seconds: number | string;
  kafka_topic: string;
  kafka_partition: number | string;
  kafka_offset: string;
  payload: string;
}

export interface EventKey {
  entity_id: string;
  message_id: string;
}

const COLUMNS = [
  'message_id',
  'source',
  'resource_type',
  'event_topic',
  'entity_id',
  'sequence_number',
  'payload_version',
  'subscriber_id',
  'toUnixTimestamp(sender_timestamp) AS sender_seconds',
  'received_at_ms',
  'toUnixTimestamp(occurred_at) AS occurred_seconds',
  'kafka_topic',
  'kafka_partition',
  'kafka_offset',
  'payload',
].join(', ');

/** A ClickHouse string literal: backslash and quote escaped, so any id (quotes, backslashes, unicode) is safe. */
export function stringLiteral(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

function integer(value: number, what: string): string {
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${what} must be a non-negative integer`);
  return String(value);
}

/** The filter as SQL conditions on `events` (an empty list reads everything). */
export function filterConditions(filter: EventLogFilter): string[] {
  const conditions: string[] = [];
  if (filter.resourceTypes !== undefined && filter.resourceTypes.length > 0) {
    for (const type of filter.resourceTypes) {
      if (!isResourceType(type)) throw new Error(`unknown resource type ${JSON.stringify(type)}`);
    }
    conditions.push(`resource_type IN (${filter.resourceTypes.map(stringLiteral).join(', ')})`);
  }
  if (filter.sources !== undefined && filter.sources.length > 0) {
    conditions.push(`source IN (${filter.sources.map(stringLiteral).join(', ')})`);
  }
  // received_at_ms is the receive time in UTC milliseconds: no time zone can shift the bounds.
  if (filter.sinceMs !== undefined) conditions.push(`received_at_ms >= ${integer(filter.sinceMs, 'since')}`);
  if (filter.untilMs !== undefined) conditions.push(`received_at_ms < ${integer(filter.untilMs, 'until')}`);
  if (filter.messageIds !== undefined && filter.messageIds.length > 0) {
    conditions.push(`message_id IN (${filter.messageIds.map(stringLiteral).join(', ')})`);
  }
  return conditions;
}

function afterKey(key: EventKey): string {
  const entity = stringLiteral(key.entity_id);
  return `(entity_id > ${entity} OR (entity_id = ${entity} AND message_id > ${stringLiteral(key.message_id)}))`;
}

function atOrBefore(key: EventKey): string {
  const entity = stringLiteral(key.entity_id);
  return `(entity_id < ${entity} OR (entity_id = ${entity} AND message_id <= ${stringLiteral(key.message_id)}))`;
}

function where(conditions: readonly string[]): string {
  return conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
}

/** How many events the filter matches (copies not merged yet included): the progress bar's total. */
export async function countEvents(
  warehouse: Pick<Warehouse, 'query'>,
  database: string,
  filter: EventLogFilter,
): Promise<number> {
  const [row] = await warehouse.query<{ n: string }>(
    `SELECT count() AS n FROM ${qualifiedName(database, 'events')} ${where(filterConditions(filter))}`,
  );
  return Number(row?.n ?? 0);
}

/**
 * How many distinct messages the filter matches, per resource type: what a replay of it publishes (each
 * message once, as the FINAL page reads give it).
 */
export async function countMessagesByType(
  warehouse: Pick<Warehouse, 'query'>,
  database: string,
  filter: EventLogFilter,
  after?: EventKey,
): Promise<Record<string, number>> {
  const conditions = filterConditions(filter);
  if (after !== undefined) conditions.push(afterKey(after));
  const rows = await warehouse.query<{ resource_type: string; n: string }>(
    `SELECT resource_type, count() AS n FROM ${qualifiedName(database, 'events')} FINAL ${where(conditions)} GROUP BY resource_type ORDER BY resource_type`,
  );
  return Object.fromEntries(rows.map((row) => [row.resource_type, Number(row.n)]));
}

/**
 * The pages of the event log matching `filter`, in key order; each page holds at most `pageSize` events.
 * `after` starts past a key (a replay's checkpoint); a page's last row holds the key to continue after.
 */
export async function* readEventLog(
  warehouse: Pick<Warehouse, 'query'>,
  database: string,
  filter: EventLogFilter,
  pageSize: number,
  after?: EventKey,
): AsyncGenerator<EventLogRow[]> {
  const table = qualifiedName(database, 'events');
  const conditions = filterConditions(filter);
  let cursor: EventKey | undefined = after;
  for (;;) {
    const from = cursor === undefined ? conditions : [...conditions, afterKey(cursor)];
    const keys = await warehouse.query<EventKey>(
      `SELECT entity_id, message_id FROM ${table} ${where(from)} ORDER BY entity_id, message_id LIMIT ${integer(pageSize, 'page size')}`,
    );
    const last = keys[keys.length - 1];
    if (last === undefined) return;
    const rows = await warehouse.query<EventLogRow>(
      `SELECT ${COLUMNS} FROM ${table} FINAL ${where([...from, atOrBefore(last)])} ORDER BY entity_id, message_id`,
    );
    yield rows;
    cursor = last;
  }
}

/** The events rows of these (entity id, message id) pairs, each message once (FINAL). */
export async function readEventsByKey(
  warehouse: Pick<Warehouse, 'query'>,
  database: string,
  keys: readonly EventKey[],
): Promise<EventLogRow[]> {
  if (keys.length === 0) return [];
  const list = keys.map((k) => `(${stringLiteral(k.entity_id)}, ${stringLiteral(k.message_id)})`).join(', ');
  return warehouse.query<EventLogRow>(
    `SELECT ${COLUMNS} FROM ${qualifiedName(database, 'events')} FINAL WHERE (entity_id, message_id) IN (${list})`,
  );
}
