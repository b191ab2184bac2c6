/**
 * Rebuild: re-derives the state and child tables from the event log, through the live sink's own mapping and
 * reduction (planBatch) and insert path (writeRows). Used after a mapping change (a field read from a new
 * place, a column added by a migration) so that history gets what new events get.
 *
 * Why it is safe while the live sink runs: the state tables are ReplacingMergeTree(sequence_number). A
 * rebuilt row carries the sequence_number of the event it comes from, the same as the row it replaces, and of
 * two rows with equal versions ClickHouse keeps the one inserted later (FINAL and merges alike; checked on
 * both engines by test/integration/rebuild.test.ts). So the rebuilt row, with the new mapping, replaces the
 * old one, while any newer version the live sink writes meanwhile (a higher sequence_number) still wins over
 * it. Child rows are keyed by (parent id, sequence_number, position) in a ReplacingMergeTree without a
 * version: the later insert wins there too, and the `_current` views show only the current parent version's
 * children. Version rows (migration 012) are keyed by (entity id, sequence_number) without a version column:
 * the rebuilt one replaces the old one the same way.
 *
 * The event log is read, and written only where a rebuild derives an `occurred_at` other than the stored one
 * (rows written before migration 012 read sender_timestamp there; a change of event-time.ts likewise): such an
 * events row is inserted again, equal to the stored one but for occurred_at (and inserted_at), and
 * `events` (a ReplacingMergeTree on (entity_id, message_id) without a version column) keeps the later
 * insert. The live sink, writing the same message again, derives the same time. So nothing acknowledged can
 * be lost or doubled by a rebuild; `eventTimes: false` leaves the event log untouched.
 */
import type { ConsumedMessage } from '../batch/consumed-message.js';
import { type BatchPlan, planBatch } from '../batch/plan-batch.js';
import type { Row } from '../mapping/rows.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { bump, countWritten } from './counts.js';
import { countEvents, type EventLogFilter, type EventLogRow, readEventLog } from './event-log-reader.js';
import { replayedEvent } from './event-message.js';
import { readAhead } from './read-ahead.js';
import { derivedRows, type ReplayWriteOptions, writeDerived } from './replay-writer.js';

export interface RebuildOptions {
  warehouse: Pick<Warehouse, 'query' | 'insertJsonEachRow'>;
  database: string;
  filter?: EventLogFilter;
  /** events per page (memory is about one page of payloads) */
  pageSize?: number;
  /** plan and count, write nothing */
  dryRun?: boolean;
  /** rewrite the events rows whose stored occurred_at differs from the derived one (default true) */
  eventTimes?: boolean;
  write?: ReplayWriteOptions;
  /** after each page: events read so far and the (upper bound) total; the next page waits for it */
  onProgress?: (progress: { eventsRead: number; total: number }) => void | Promise<void>;
  now?: () => number;
}

export interface RebuildSummary {
  dryRun: boolean;
  /** events matching the filter when the rebuild started (copies not merged yet included) */
  total: number;
  eventsRead: number;
  pages: number;
  /** rows written per table (planned, on a dry run) */
  rowsByTable: Record<string, number>;
  /** events that could not be planned, by the reason the live sink would dead-letter them (not published) */
  notPlanned: Record<string, number>;
  /** rows the warehouse refused for good, by table */
  refused: Record<string, number>;
  seconds: number;
  eventsPerSecond: number;
}

export const DEFAULT_PAGE_SIZE = 5_000;

const eventKey = (entityId: unknown, messageId: unknown) => `${String(entityId)}\u0000${String(messageId)}`;

/** The plan's events rows whose occurred_at differs from what the page read holds. */
function staleEventTimes(plan: BatchPlan, page: readonly EventLogRow[]): Row[] {
  const stored = new Map(
    page.map((row) => [eventKey(row.entity_id, row.message_id), Number(row.occurred_seconds)]),
  );
  return (plan.rows.get('events') ?? []).filter(
    (row) => stored.get(eventKey(row['entity_id'], row['message_id'])) !== row['occurred_at'],
  );
}

export async function rebuildState(options: RebuildOptions): Promise<RebuildSummary> {
  const now = options.now ?? Date.now;
  const started = performance.now();
  const filter = options.filter ?? {};
  const dryRun = options.dryRun ?? false;
  const summary: RebuildSummary = {
    dryRun,
    total: await countEvents(options.warehouse, options.database, filter),
    eventsRead: 0,
    pages: 0,
    rowsByTable: {},
    notPlanned: {},
    refused: {},
    seconds: 0,
    eventsPerSecond: 0,
  };
  const pages = readAhead(
    readEventLog(options.warehouse, options.database, filter, options.pageSize ?? DEFAULT_PAGE_SIZE),
  );
  for await (const page of pages) {
    const messages: ConsumedMessage[] = [];
    for (const row of page) {
      const event = replayedEvent(row);
      if (event.ok) messages.push(event.message);
      else bump(summary.notPlanned, event.reason);
    }
    const plan = planBatch(messages, now());
    for (const letter of plan.deadLetters) bump(summary.notPlanned, letter.reason);
    const rows = derivedRows(plan.rows);
    if (options.eventTimes ?? true) {
      // After the derived tables, as the sink writes them: an events row is never newer than its state.
      const stale = staleEventTimes(plan, page);
      if (stale.length > 0) rows.set('events', stale);
    }
    const refused = dryRun
      ? new Map<string, unknown[]>()
      : await writeDerived(options.warehouse, options.database, rows, options.write);
    countWritten(summary.rowsByTable, rows, refused);
    for (const [table, list] of refused) bump(summary.refused, table, list.length);
    summary.eventsRead += page.length;
    summary.pages++;
    await options.onProgress?.({
      eventsRead: summary.eventsRead,
      total: Math.max(summary.total, summary.eventsRead),
    });
  }
  summary.seconds = (performance.now() - started) / 1_000;
  summary.eventsPerSecond = summary.seconds > 0 ? summary.eventsRead / summary.seconds : 0;
  return summary;
}
