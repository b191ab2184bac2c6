/**
 * Replay from the event log: each `events` row (once per message, FINAL) becomes the envelope the ingest
 * published, with its message id, sequence number and receive time, so the live sink writes the same rows again
 * and the state does not change.
 */
import {
  countMessagesByType,
  type EventKey,
  type EventLogFilter,
  readEventLog,
  replayedEvent,
} from '@okendo/sink';
import {
  bump,
  type Cursor,
  isStringRecord,
  type ReplayFilter,
  type ReplayPage,
  type ReplaySource,
  type WarehouseReader,
} from './replay-source.js';

const KEY = ['entity_id', 'message_id'] as const;

function eventFilter(filter: ReplayFilter): EventLogFilter {
  return {
    resourceTypes: filter.resourceTypes,
    sources: filter.sources,
    messageIds: filter.messageIds,
    ...(filter.sinceMs === undefined ? {} : { sinceMs: filter.sinceMs }),
    ...(filter.untilMs === undefined ? {} : { untilMs: filter.untilMs }),
  };
}

const asKey = (cursor: Cursor | undefined): EventKey | undefined =>
  cursor === undefined
    ? undefined
    : { entity_id: cursor['entity_id'] ?? '', message_id: cursor['message_id'] ?? '' };

export function eventSource(
  warehouse: WarehouseReader,
  database: string,
  filter: ReplayFilter,
): ReplaySource {
  const events = eventFilter(filter);
  return {
    table: 'events',
    isCursor: (value): value is Cursor => isStringRecord(value, KEY),
    async count(cursor) {
      const byType = await countMessagesByType(warehouse, database, events, asKey(cursor));
      return Object.values(byType).reduce((sum, n) => sum + n, 0);
    },
    // Every row of the log is an envelope the sink once decoded: the count is what a run publishes.
    plan: (cursor) => countMessagesByType(warehouse, database, events, asKey(cursor)),
    async page(cursor, size) {
      const pages = readEventLog(warehouse, database, events, size, asKey(cursor));
      const next = await pages.next();
      await pages.return(undefined);
      if (next.done === true) return undefined;
      const rows = next.value;
      const last = rows[rows.length - 1];
      if (last === undefined) return undefined;
      const page: ReplayPage = {
        read: rows.length,
        envelopes: [],
        skipped: {},
        cursor: { entity_id: last.entity_id, message_id: last.message_id },
      };
      for (const row of rows) {
        const event = replayedEvent(row);
        if (event.ok) page.envelopes.push(event.envelope);
        else bump(page.skipped, `not an envelope: ${event.reason}`);
      }
      return page;
    },
  };
}
