/**
 * The peer a ClickHouse-savvy team would build instead of the sink: ClickHouse's own Kafka table engine, with
 * materialized views that fill the same `events` log (every event) and the same `reviews` state table
 * (ReplacingMergeTree by sequence number, review fields pulled out of the raw JSON), from a JSON copy of the
 * same events. It reads JSON because 18.16 has no Avro format; the copy is produced before the clock starts.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { migrate } from '@okendo/infra/clickhouse';
import type { ClickHouseServerWarehouse } from '@okendo/sink';
import type { Admin } from 'kafkajs';

export interface PeerFigures {
  eventsPerSec: number | undefined;
  /** rows the views write per event: 1 into `events`, 1 more for each review event */
  rowsPerEvent: number;
  /** current reviews (FINAL, not deleted) the peer ends with: the sink's own count must match */
  currentReviews: number | undefined;
  note?: string;
}

/** 18.16 has visitParam* (first occurrence of a key anywhere in the text), not the JSONExtract family. */
const str = (key: string) => `toNullable(visitParamExtractString(payload, '${key}'))`;
const int = (key: string) => `toNullable(toInt32(visitParamExtractInt(payload, '${key}')))`;
const flag = (key: string) => `toNullable(toUInt8(visitParamExtractBool(payload, '${key}')))`;
const time = (key: string) => `parseDateTimeBestEffortOrNull(visitParamExtractString(payload, '${key}'))`;

// The review columns the sink maps, extracted the way a team without the sink's code would. The first match
// of each key in a review body is the review's own field (attribute titles and the country name come later).
const REVIEW_COLUMNS: ReadonlyArray<[column: string, expression: string]> = [
  ['subscriber_id', 'subscriber_id'],
  ['review_id', 'entity_id'],
  ['product_id', str('productId')],
  ['variant_id', str('variantId')],
  ['product_name', str('productName')],
  ['rating', int('rating')],
  ['title', str('title')],
  ['body', str('body')],
  ['status', str('status')],
  ['sentiment', str('sentiment')],
  ['contains_profanity', flag('containsProfanity')],
  ['is_recommended', flag('isRecommended')],
  ['helpful_count', int('helpfulCount')],
  ['unhelpful_count', int('unhelpfulCount')],
  ['date_created', time('dateCreated')],
  ['order_id', str('orderId')],
  ['order_number', str('orderNumber')],
  ['reviewer_name', str('name')],
  ['reviewer_display_name', str('displayName')],
  ['reviewer_is_verified', flag('isVerified')],
  ['reviewer_verified_status', str('verifiedStatus')],
  ['reviewer_country_code', str('code')],
  ['reviewer_zone_code', str('zoneCode')],
  ['variant_name', str('variantName')],
  ['is_incentivized', flag('isIncentivized')],
  ['reviewer_avatar_url', str('avatarUrl')],
  ['reviewer_social_connection', str('socialConnection')],
  ['reply_raw_body', str('rawBody')],
  ['reward_description', str('description')],
  ['sequence_number', 'sequence_number'],
  ['is_deleted', "toUInt8(event_topic = 'delete')"],
  ['event_topic', 'event_topic'],
  ['message_id', 'message_id'],
  ['source', 'source'],
  ['received_at', 'received_at'],
  ['occurred_at', 'occurred_at'],
];

/**
 * Creates the peer in `database` over `jsonTopic` (already filled with `total` JSON event rows) and waits until
 * its `events` table holds them all, or the budget is spent (a partial drain still gives its rate).
 */
export async function runKafkaEnginePeer(options: {
  warehouse: ClickHouseServerWarehouse;
  admin: Admin;
  brokers: string;
  database: string;
  jsonTopic: string;
  consumerGroup: string;
  total: number;
  reviewEvents: number;
  budgetMs: number;
}): Promise<PeerFigures> {
  const { warehouse, database: db, total } = options;
  await migrate(warehouse, db);
  // The queue's columns are the event log's own (all but inserted_at, which the view sets), read from the
  // migrated table, so a column a later migration adds cannot make the peer refuse every row.
  const eventColumns = await warehouse.query<{ name: string; type: string }>(
    `SELECT name, type FROM system.columns WHERE database = '${db}' AND table = 'events' AND name != 'inserted_at'`,
  );
  const columns = eventColumns.map((c) => `${c.name} ${c.type}`).join(', ');
  await warehouse.command(
    `CREATE TABLE ${db}.queue (${columns}) ENGINE = Kafka('${options.brokers}', '${options.jsonTopic}', '${options.consumerGroup}', 'JSONEachRow')`,
  );
  // Both views hang off the one queue: every block the engine reads goes to each. 18.16 wants every column of
  // the target in a view's block: the fields a first-match extraction cannot reach (the reply's body after the
  // review's, the reward's type after the attributes') stay NULL.
  const reviewColumns = await warehouse.query<{ name: string; type: string }>(
    `SELECT name, type FROM system.columns WHERE database = '${db}' AND table = 'reviews'`,
  );
  const extracted = new Map(REVIEW_COLUMNS);
  const select = reviewColumns.map(({ name, type }) => {
    const expression =
      extracted.get(name) ??
      (name === 'inserted_at'
        ? 'now()'
        : type.startsWith('Array')
          ? `CAST([] AS ${type})`
          : `CAST(NULL AS ${type})`);
    return `${expression} AS ${name}`;
  });
  await warehouse.command(
    `CREATE MATERIALIZED VIEW ${db}.to_reviews TO ${db}.reviews AS SELECT ${select.join(', ')} FROM ${db}.queue WHERE resource_type = 'review'`,
  );
  await warehouse.command(
    `CREATE MATERIALIZED VIEW ${db}.to_events TO ${db}.events AS SELECT *, now() AS inserted_at FROM ${db}.queue`,
  );
  const started = performance.now();
  let count = 0;
  let complete = false;
  while (performance.now() - started < options.budgetMs) {
    // Done when both views have written everything (they receive each block one after the other).
    const [row] = await warehouse
      .query<{ events: string; reviews: string }>(
        `SELECT (SELECT count() FROM ${db}.events) AS events, (SELECT count() FROM ${db}.reviews) AS reviews`,
      )
      .catch(() => [{ events: '0', reviews: '0' }]);
    count = Number(row?.events);
    complete = count >= total && Number(row?.reviews) >= options.reviewEvents;
    if (complete) break;
    await sleep(250);
  }
  const seconds = (performance.now() - started) / 1_000;
  const [reviews] = await warehouse.query<{ n: string }>(
    `SELECT count() AS n FROM ${db}.reviews FINAL WHERE is_deleted = 0`,
  );
  return {
    eventsPerSec: count > 0 ? Math.round(count / seconds) : undefined,
    rowsPerEvent: Math.round(((total + options.reviewEvents) / total) * 100) / 100,
    currentReviews: complete ? Number(reviews?.n ?? 0) : undefined,
    ...(complete
      ? {}
      : { note: `the Kafka engine consumed ${count} of ${total} events before stalling or the budget` }),
  };
}
