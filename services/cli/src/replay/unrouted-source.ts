/**
 * Replay from the unrouted deliveries: each parked body is routed again with the ingest's current routing
 * (routeDelivery), from its exact bytes (payload_base64). The ones it now routes are published as the ingest
 * would have published them, with their message id and source; the others stay parked and are counted by
 * their reason. unrouted_deliveries keeps the receive time in whole seconds, so a replayed envelope's
 * receivedAtMs is that second.
 */
import { routeDelivery } from '@okendo/ingest';
import { qualifiedName, stringLiteral } from '@okendo/sink';
import {
  bump,
  type Cursor,
  isStringRecord,
  type ReplayFilter,
  type ReplayPage,
  type ReplaySource,
  type WarehouseReader,
  whereClause,
} from './replay-source.js';

interface UnroutedRow {
  message_id: string;
  source: string;
  sender_seconds: number | string;
  received_seconds: number | string;
  payload_base64: string;
}

/** Filter conditions on unrouted_deliveries: the time range is on received_at; the type is known once routed. */
function conditions(filter: ReplayFilter): string[] {
  const list: string[] = [];
  if (filter.sources.length > 0) list.push(`source IN (${filter.sources.map(stringLiteral).join(', ')})`);
  if (filter.messageIds.length > 0)
    list.push(`message_id IN (${filter.messageIds.map(stringLiteral).join(', ')})`);
  if (filter.sinceMs !== undefined)
    list.push(`toUInt64(received_at) * 1000 >= ${Math.floor(filter.sinceMs)}`);
  if (filter.untilMs !== undefined) list.push(`toUInt64(received_at) * 1000 < ${Math.floor(filter.untilMs)}`);
  return list;
}

export function unroutedSource(
  warehouse: WarehouseReader,
  database: string,
  filter: ReplayFilter,
): ReplaySource {
  const table = qualifiedName(database, 'unrouted_deliveries');
  const base = conditions(filter);
  const from = (cursor: Cursor | undefined) =>
    cursor === undefined ? base : [...base, `message_id > ${stringLiteral(cursor['message_id'] ?? '')}`];
  const wanted = new Set<string>(filter.resourceTypes);
  return {
    table: 'unrouted_deliveries',
    isCursor: (value): value is Cursor => isStringRecord(value, ['message_id']),
    async count(cursor) {
      const [row] = await warehouse.query<{ n: string }>(
        `SELECT count() AS n FROM ${table} FINAL ${whereClause(from(cursor))}`,
      );
      return Number(row?.n ?? 0);
    },
    async page(cursor, size) {
      const rows = await warehouse.query<UnroutedRow>(
        `SELECT message_id, source, toUnixTimestamp(sender_timestamp) AS sender_seconds, toUnixTimestamp(received_at) AS received_seconds, payload_base64 FROM ${table} FINAL ${whereClause(from(cursor))} ORDER BY message_id LIMIT ${Math.max(1, Math.floor(size))}`,
      );
      const last = rows[rows.length - 1];
      if (last === undefined) return undefined;
      const page: ReplayPage = {
        read: rows.length,
        envelopes: [],
        skipped: {},
        cursor: { message_id: last.message_id },
      };
      for (const row of rows) {
        const routed = routeDelivery(Buffer.from(row.payload_base64, 'base64'), {
          messageId: row.message_id,
          senderTimestamp: Number(row.sender_seconds),
          receivedAtMs: Number(row.received_seconds) * 1_000,
          source: row.source,
        });
        if (routed.kind === 'unrouted') bump(page.skipped, `still unroutable: ${routed.reasonCode}`);
        else if (wanted.size > 0 && !wanted.has(routed.resourceType))
          page.notSelected = (page.notSelected ?? 0) + 1;
        else page.envelopes.push(routed.envelope);
      }
      return page;
    },
  };
}
