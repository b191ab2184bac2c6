/**
 * Re-drive: after a mapping fix, re-processes the dead letters that can now be mapped, through the same path
 * as the live sink (planBatch, then writeRows into the state and child tables). A dead letter of a resource
 * event is re-planned from its `events` row, not from the dead letter: the event log holds every decodable
 * event whole, while a dead letter may hold a truncated payload. One that plans to state rows with no new
 * dead letter, and whose rows the warehouse takes, is recorded in `dead_letter_redrives` (after its rows are
 * written, so a crash in between only means doing it again), and a later run skips it: running twice does
 * nothing the second time. The others stay open with their error, counted by reason.
 */
import { isResourceType } from '@okendo/schemas';
import type { ConsumedMessage } from '../batch/consumed-message.js';
import type { RejectedRow } from '../batch/isolate-rejected-rows.js';
import { planBatch } from '../batch/plan-batch.js';
import type { Row } from '../mapping/rows.js';
import { toDateTime } from '../mapping/rows.js';
import { qualifiedName, type Warehouse } from '../warehouse/warehouse.js';
import { bump, countWritten } from './counts.js';
import { type EventKey, readEventsByKey, stringLiteral } from './event-log-reader.js';
import { replayedEvent } from './event-message.js';
import { derivedRows, type ReplayWriteOptions, writeDerived } from './replay-writer.js';

export interface RedriveOptions {
  warehouse: Pick<Warehouse, 'query' | 'insertJsonEachRow'>;
  database: string;
  /** dead letters per page */
  pageSize?: number;
  dryRun?: boolean;
  write?: ReplayWriteOptions;
  onProgress?: (progress: { considered: number; total: number }) => void;
  now?: () => number;
}

export interface RedriveSummary {
  dryRun: boolean;
  /** dead letters already re-driven by an earlier run (skipped) */
  alreadyRedriven: number;
  /** open dead letters when the run started */
  open: number;
  considered: number;
  /** re-driven by this run (would be, on a dry run) */
  redriven: number;
  /** dead letters that stay open, by reason */
  stay: Record<string, number>;
  rowsByTable: Record<string, number>;
  seconds: number;
}

/** The reason recorded in `dead_letter_redrives.outcome` for a dead letter whose rows were written. */
export const REDRIVEN = 'redriven';

interface OpenDeadLetter {
  message_id: string;
  resource_type: string;
  entity_id: string;
  failed_seconds: number | string;
  origin_topic: string;
  origin_partition: number | string;
  origin_offset: string;
}

const IDENTITY = 'origin_topic, origin_partition, origin_offset, failed_at';

function notRedriven(database: string): string {
  return `(${IDENTITY}) NOT IN (SELECT ${IDENTITY} FROM ${qualifiedName(database, 'dead_letter_redrives')})`;
}

function after(letter: OpenDeadLetter): string {
  const topic = stringLiteral(letter.origin_topic);
  const partition = Number(letter.origin_partition);
  const offset = BigInt(letter.origin_offset).toString();
  return `(origin_topic > ${topic} OR (origin_topic = ${topic} AND (origin_partition > ${partition} OR (origin_partition = ${partition} AND origin_offset > ${offset}))))`;
}

async function count(warehouse: Pick<Warehouse, 'query'>, sql: string): Promise<number> {
  const [row] = await warehouse.query<{ n: string }>(sql);
  return Number(row?.n ?? 0);
}

export async function redriveDeadLetters(options: RedriveOptions): Promise<RedriveSummary> {
  const { warehouse, database } = options;
  const now = options.now ?? Date.now;
  const started = performance.now();
  const letters = qualifiedName(database, 'dead_letters');
  const open = await count(
    warehouse,
    `SELECT count() AS n FROM ${letters} FINAL WHERE ${notRedriven(database)}`,
  );
  const all = await count(warehouse, `SELECT count() AS n FROM ${letters} FINAL`);
  const summary: RedriveSummary = {
    dryRun: options.dryRun ?? false,
    alreadyRedriven: all - open,
    open,
    considered: 0,
    redriven: 0,
    stay: {},
    rowsByTable: {},
    seconds: 0,
  };
  const pageSize = options.pageSize ?? 1_000;
  let cursor: OpenDeadLetter | undefined;
  for (;;) {
    const conditions = [notRedriven(database), ...(cursor === undefined ? [] : [after(cursor)])];
    const page = await warehouse.query<OpenDeadLetter>(
      `SELECT message_id, resource_type, entity_id, toUnixTimestamp(failed_at) AS failed_seconds, origin_topic, origin_partition, origin_offset
       FROM ${letters} FINAL WHERE ${conditions.join(' AND ')}
       ORDER BY origin_topic, origin_partition, origin_offset LIMIT ${Math.max(1, Math.floor(pageSize))}`,
    );
    cursor = page[page.length - 1];
    if (cursor === undefined) break;
    await redrivePage(options, page, summary, now);
    summary.considered += page.length;
    options.onProgress?.({
      considered: summary.considered,
      total: Math.max(summary.open, summary.considered),
    });
  }
  summary.seconds = (performance.now() - started) / 1_000;
  return summary;
}

async function redrivePage(
  options: RedriveOptions,
  page: readonly OpenDeadLetter[],
  summary: RedriveSummary,
  now: () => number,
): Promise<void> {
  const { warehouse, database } = options;
  const resourceLetters = page.filter((l) => isResourceType(l.resource_type) && l.message_id !== '');
  const keys = new Map<string, EventKey>();
  for (const l of resourceLetters) keys.set(`${l.entity_id}\u0000${l.message_id}`, l);
  const events = await readEventsByKey(warehouse, database, [...keys.values()]);

  // One message per event, however many dead letters it left (a redelivery dead-lettered twice).
  const messages: ConsumedMessage[] = [];
  const found = new Set<string>();
  const failed = new Map<string, string>();
  for (const row of events) {
    if (found.has(row.message_id)) continue;
    found.add(row.message_id);
    const event = replayedEvent(row);
    if (event.ok) messages.push(event.message);
    else failed.set(row.message_id, `still not plannable: ${event.reason}`);
  }
  const plan = planBatch(messages, now());
  for (const letter of plan.deadLetters) {
    if (letter.letter.messageId !== null)
      failed.set(letter.letter.messageId, `still not plannable: ${letter.reason}`);
  }
  const rows = derivedRows(plan.rows);
  const refused = summary.dryRun
    ? new Map<string, RejectedRow[]>()
    : await writeDerived(warehouse, database, rows, options.write);
  for (const [table, list] of refused) {
    for (const { row } of list) {
      const messageId = plan.origins.get(row)?.envelope?.messageId;
      if (messageId !== undefined) failed.set(messageId, `refused by the warehouse: ${table}`);
    }
  }
  countWritten(summary.rowsByTable, rows, refused);

  const redriven: Row[] = [];
  const redrivenAt = toDateTime(now());
  for (const letter of page) {
    if (!found.has(letter.message_id) || !isResourceType(letter.resource_type)) {
      bump(summary.stay, 'not in the event log');
      continue;
    }
    const reason = failed.get(letter.message_id);
    if (reason !== undefined) {
      bump(summary.stay, reason);
      continue;
    }
    summary.redriven++;
    redriven.push({
      origin_topic: letter.origin_topic,
      origin_partition: Number(letter.origin_partition),
      origin_offset: letter.origin_offset,
      failed_at: Number(letter.failed_seconds),
      message_id: letter.message_id,
      outcome: REDRIVEN,
      redriven_at: redrivenAt,
    });
  }
  if (!summary.dryRun && redriven.length > 0) {
    await writeDerived(warehouse, database, new Map([['dead_letter_redrives', redriven]]), options.write);
  }
}
