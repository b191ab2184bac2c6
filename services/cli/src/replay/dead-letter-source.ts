/**
 * Replay from the open dead letters (dead_letters_open: not re-driven yet). A dead letter may hold a cut
 * payload (migration 007), so each is replayed from its event's `events` row, which the sink stores whole for
 * every envelope it decoded. Before publishing, the event is planned with the current mapping (planBatch, as
 * the live sink will): one that would be dead-lettered again is left out and reported with the reason, so a
 * replay never adds dead letters. The dead letters stay in the table: `redrive` closes them afterwards.
 */

import type { WebhookEnvelope } from '@okendo/schemas';
import { isResourceType } from '@okendo/schemas';
import {
  type ConsumedMessage,
  type EventKey,
  planBatch,
  qualifiedName,
  readEventsByKey,
  replayedEvent,
  stringLiteral,
} from '@okendo/sink';
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

const KEY = ['origin_topic', 'origin_partition', 'origin_offset'] as const;

interface LetterRow {
  message_id: string;
  resource_type: string;
  entity_id: string;
  origin_topic: string;
  origin_partition: number | string;
  origin_offset: string;
}

/** Filter conditions on dead_letters: the time range is on failed_at (when the sink dead-lettered it). */
function conditions(filter: ReplayFilter): string[] {
  const list: string[] = [];
  if (filter.resourceTypes.length > 0)
    list.push(`resource_type IN (${filter.resourceTypes.map(stringLiteral).join(', ')})`);
  if (filter.sources.length > 0) list.push(`source IN (${filter.sources.map(stringLiteral).join(', ')})`);
  if (filter.messageIds.length > 0)
    list.push(`message_id IN (${filter.messageIds.map(stringLiteral).join(', ')})`);
  if (filter.sinceMs !== undefined) list.push(`toUInt64(failed_at) * 1000 >= ${Math.floor(filter.sinceMs)}`);
  if (filter.untilMs !== undefined) list.push(`toUInt64(failed_at) * 1000 < ${Math.floor(filter.untilMs)}`);
  return list;
}

function after(cursor: Cursor): string {
  const topic = stringLiteral(cursor['origin_topic'] ?? '');
  const partition = Number(cursor['origin_partition']);
  const offset = BigInt(cursor['origin_offset'] ?? '0').toString();
  return `(origin_topic > ${topic} OR (origin_topic = ${topic} AND (origin_partition > ${partition} OR (origin_partition = ${partition} AND origin_offset > ${offset}))))`;
}

function isLetterCursor(value: unknown): value is Cursor {
  return (
    isStringRecord(value, KEY) &&
    /^\d{1,10}$/.test(value['origin_partition'] ?? '') &&
    /^\d{1,20}$/.test(value['origin_offset'] ?? '')
  );
}

export function deadLetterSource(
  warehouse: WarehouseReader,
  database: string,
  filter: ReplayFilter,
): ReplaySource {
  const view = qualifiedName(database, 'dead_letters_open');
  const base = conditions(filter);
  const from = (cursor: Cursor | undefined) => (cursor === undefined ? base : [...base, after(cursor)]);
  return {
    table: 'dead_letters_open',
    isCursor: isLetterCursor,
    async count(cursor) {
      const [row] = await warehouse.query<{ n: string }>(
        `SELECT count() AS n FROM ${view} ${whereClause(from(cursor))}`,
      );
      return Number(row?.n ?? 0);
    },
    async page(cursor, size) {
      const letters = await warehouse.query<LetterRow>(
        `SELECT message_id, resource_type, entity_id, origin_topic, origin_partition, origin_offset FROM ${view} ${whereClause(from(cursor))} ORDER BY origin_topic, origin_partition, origin_offset LIMIT ${Math.max(1, Math.floor(size))}`,
      );
      const last = letters[letters.length - 1];
      if (last === undefined) return undefined;
      const page: ReplayPage = {
        read: letters.length,
        envelopes: [],
        skipped: {},
        cursor: {
          origin_topic: last.origin_topic,
          origin_partition: String(last.origin_partition),
          origin_offset: String(last.origin_offset),
        },
      };
      const keys = new Map<string, EventKey>();
      for (const letter of letters) {
        if (!isResourceType(letter.resource_type) || letter.message_id === '') {
          bump(page.skipped, 'not a resource event (parked data or an undecodable envelope)');
          continue;
        }
        keys.set(`${letter.entity_id}\u0000${letter.message_id}`, letter);
      }
      const found = new Map<string, { envelope: WebhookEnvelope; message: ConsumedMessage }>();
      for (const row of await readEventsByKey(warehouse, database, [...keys.values()])) {
        const event = replayedEvent(row);
        if (event.ok) found.set(`${row.entity_id}\u0000${row.message_id}`, event);
        else bump(page.skipped, `not an envelope: ${event.reason}`);
      }
      for (const key of keys.keys()) if (!found.has(key)) bump(page.skipped, 'not in the event log');
      // What the live sink would dead-letter again stays out.
      const plan = planBatch([...found.values()].map((event) => event.message));
      const failing = new Map<string, string>();
      for (const letter of plan.deadLetters)
        if (letter.letter.messageId !== null) failing.set(letter.letter.messageId, letter.reason);
      for (const { envelope } of found.values()) {
        const reason = failing.get(envelope.messageId);
        if (reason === undefined) page.envelopes.push(envelope);
        else bump(page.skipped, `still not plannable: ${reason}`);
      }
      return page;
    },
  };
}
