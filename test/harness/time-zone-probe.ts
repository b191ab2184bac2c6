/**
 * Time zone probe: writes events with known instants through the sink's real write path (planBatch, then
 * writeRows) into a freshly migrated database, and reads every DateTime back the ways an analyst would: as
 * text, as toUnixTimestamp, grouped by month in a view, compared with a text literal. The instants sit just
 * before and after a month boundary, so a shift of a few hours either way changes the month.
 *
 * time-zone.test.ts calls `probeWarehouse` in-process against a ClickHouse server whose own time zone is not
 * UTC. chDB takes its time zone from the process (TZ), so the test also runs this file as a script in a
 * child process with TZ set; it prints the observations as one JSON line.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isEntryPoint } from '@okendo/common';
import { migrate } from '@okendo/infra/clickhouse';
import { envelopeCodec, FIXTURES, type ResourceType, type TopicKey, unroutedCodec } from '@okendo/schemas';
import { ChdbWarehouse, planBatch, TABLE_LAYOUTS, type Warehouse, writeRows } from '@okendo/sink';

/** Just before a month boundary in UTC (Feb 1st already in Asia/Kolkata) ... */
const LATE_JANUARY = Date.parse('2025-01-31T20:00:00.000Z');
/** ... and just after one (still February in America/Los_Angeles). */
const EARLY_MARCH = Date.parse('2025-03-01T03:00:00.000Z');
const INSTANTS = { a: LATE_JANUARY, b: EARLY_MARCH } as const;
/** received_at is 90.25 s after the instant: the sink keeps whole seconds. */
const RECEIVED_AFTER_MS = 90_250;

export interface ProbeResult {
  timezone: string;
  observations: Record<string, unknown>;
}

const utcText = (ms: number): string => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
const unix = (ms: number): string => String(Math.floor(ms / 1_000));

/** Every create fixture twice, its dates all set to one instant: `-a` late January, `-b` early March. */
function probeEvents(): Array<{
  resourceType: ResourceType;
  entityId: string;
  instant: number;
  body: string;
}> {
  const setDates = (value: unknown, iso: string): unknown => {
    if (Array.isArray(value)) return value.map((item) => setDates(item, iso));
    if (typeof value !== 'object' || value === null) return value;
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        key,
        /date/i.test(key) && typeof item === 'string' ? iso : setDates(item, iso),
      ]),
    );
  };
  return FIXTURES.filter((f) => f.topic === 'create').flatMap((fixture) =>
    (['a', 'b'] as const).map((copy) => {
      const instant = INSTANTS[copy];
      const body = setDates(JSON.parse(fixture.body), new Date(instant).toISOString()) as {
        resource: Record<string, unknown>;
      };
      const layout = TABLE_LAYOUTS[fixture.resourceType as ResourceType];
      const entityId = `${fixture.entityId}-${copy}`;
      body.resource[layout.idField] = entityId;
      if (fixture.resourceType === 'review') body.resource['productId'] = `tz-${copy}`;
      return {
        resourceType: fixture.resourceType as ResourceType,
        entityId,
        instant,
        body: JSON.stringify(body),
      };
    }),
  );
}

function message(topicKey: TopicKey, offset: number, value: Buffer) {
  return {
    topic: `tz.${topicKey}`,
    topicKey,
    partition: 0,
    offset: String(offset),
    key: null,
    value,
    sizeBytes: value.length,
  };
}

/** What every engine in every time zone must show: derived from the instants alone. */
export function expectedObservations(): Record<string, unknown> {
  const expected: Record<string, unknown> = {};
  for (const event of probeEvents()) {
    const layout = TABLE_LAYOUTS[event.resourceType];
    for (const spec of layout.columns.filter((c) => c.kind === 'datetime')) {
      expected[`${layout.table}.${event.entityId}.${spec.column}`] =
        `${utcText(event.instant)} ${unix(event.instant)}`;
    }
    const received = event.instant + RECEIVED_AFTER_MS;
    expected[`${layout.table}.${event.entityId}.received_at`] = `${utcText(received)} ${unix(received)}`;
    expected[`events.${event.entityId}.received_at`] = `${utcText(received)} ${unix(received)}`;
    expected[`events.${event.entityId}.sender_timestamp`] =
      `${utcText(event.instant + 60_000)} ${unix(event.instant + 60_000)}`;
  }
  expected['unrouted.received_at'] = `${utcText(LATE_JANUARY)} ${unix(LATE_JANUARY)}`;
  expected['review_ratings_by_product_month'] = [
    { product_id: 'tz-a', month: '2025-01-01' },
    { product_id: 'tz-b', month: '2025-03-01' },
  ];
  expected['loyalty transactions per month'] = [
    { month: '2025-01-01', n: '3' },
    { month: '2025-03-01', n: '3' },
  ];
  expected["reviews created from toDateTime('2025-02-01 00:00:00', 'UTC')"] = '1';
  expected['inserted_at not now or not UTC'] = [];
  expected['DateTime columns without UTC'] = [];
  return expected;
}

/** Migrates `database`, writes the probe events and reads them back. */
export async function probeWarehouse(warehouse: Warehouse, database: string): Promise<ProbeResult> {
  await migrate(warehouse, database);
  const events = probeEvents();
  const messages = events.map((event, offset) =>
    message(
      event.resourceType,
      offset,
      envelopeCodec.encode({
        messageId: `tz-${event.entityId}`,
        senderTimestamp: BigInt(Math.floor(event.instant / 1_000) + 60),
        receivedAtMs: BigInt(event.instant + RECEIVED_AFTER_MS),
        source: 'default',
        resourceType: event.resourceType,
        topic: 'create',
        sequenceNumber: 1n,
        version: '2025-02-01',
        subscriberId: null,
        entityId: event.entityId,
        rawBody: Buffer.from(event.body),
      }),
    ),
  );
  messages.push(
    message(
      'unrouted',
      messages.length,
      unroutedCodec.encode({
        messageId: 'tz-unrouted',
        senderTimestamp: BigInt(LATE_JANUARY / 1_000),
        receivedAtMs: BigInt(LATE_JANUARY),
        source: 'default',
        reasonCode: 'invalid_json',
        reason: 'probe',
        rawBody: Buffer.from('{'),
      }),
    ),
  );
  const plan = planBatch(messages);
  const before = Math.floor(Date.now() / 1_000);
  await writeRows(warehouse, database, plan.rows, { retry: { initialBackoffMs: 100, maxBackoffMs: 100 } });
  const after = Math.ceil(Date.now() / 1_000);

  const observations: Record<string, unknown> = {};
  const textAndUnix = (column: string) =>
    `concat(toString(${column}), ' ', toString(toUnixTimestamp(${column}))) AS ${column}`;
  for (const event of events) {
    const layout = TABLE_LAYOUTS[event.resourceType];
    const columns = [
      ...layout.columns.filter((c) => c.kind === 'datetime').map((c) => c.column),
      'received_at',
    ];
    const [row] = await warehouse.query<Record<string, string>>(
      `SELECT ${columns.map(textAndUnix).join(', ')} FROM ${database}.${layout.table}_current WHERE ${layout.idColumn} = '${event.entityId}'`,
    );
    for (const column of columns) observations[`${layout.table}.${event.entityId}.${column}`] = row?.[column];
    const [logged] = await warehouse.query<Record<string, string>>(
      `SELECT ${textAndUnix('received_at')}, ${textAndUnix('sender_timestamp')} FROM ${database}.events_current WHERE entity_id = '${event.entityId}'`,
    );
    observations[`events.${event.entityId}.received_at`] = logged?.['received_at'];
    observations[`events.${event.entityId}.sender_timestamp`] = logged?.['sender_timestamp'];
  }
  const [unrouted] = await warehouse.query<Record<string, string>>(
    `SELECT ${textAndUnix('received_at')} FROM ${database}.unrouted_deliveries`,
  );
  observations['unrouted.received_at'] = unrouted?.['received_at'];
  observations['review_ratings_by_product_month'] = await warehouse.query(
    `SELECT product_id, toString(month) AS month FROM ${database}.review_ratings_by_product_month_status ORDER BY product_id`,
  );
  // The shape of the README's loyalty example query.
  observations['loyalty transactions per month'] = await warehouse.query(
    `SELECT toString(toStartOfMonth(assumeNotNull(date))) AS month, toString(count()) AS n FROM ${database}.loyalty_transactions_current GROUP BY month ORDER BY month`,
  );
  // 18.16 parses a bare text literal compared with a column in the server's zone, whatever the column's
  // zone: the README tells analysts to write the zone, as here.
  const [since] = await warehouse.query<{ n: string }>(
    `SELECT toString(count()) AS n FROM ${database}.reviews_current WHERE date_created >= toDateTime('2025-02-01 00:00:00', 'UTC')`,
  );
  observations["reviews created from toDateTime('2025-02-01 00:00:00', 'UTC')"] = since?.n;
  const inserted = await warehouse.query<{ text: string; unix: string }>(
    `SELECT DISTINCT toString(inserted_at) AS text, toString(toUnixTimestamp(inserted_at)) AS unix FROM ${database}.reviews`,
  );
  // Rows whose DEFAULT now() is not within the write or not rendered in UTC (none expected).
  observations['inserted_at not now or not UTC'] = inserted.filter(
    (row) =>
      Number(row.unix) < before || Number(row.unix) > after || row.text !== utcText(Number(row.unix) * 1_000),
  );
  // A future migration's DateTime without a zone would bring the server's zone back: none may exist.
  observations['DateTime columns without UTC'] = await warehouse.query(
    `SELECT table, name, type FROM system.columns WHERE database = '${database}' AND type LIKE '%DateTime%' AND type NOT LIKE '%UTC%' ORDER BY table, name`,
  );
  const [zone] = await warehouse.query<{ timezone: string }>('SELECT timezone() AS timezone');
  return { timezone: zone?.timezone ?? '', observations };
}

if (isEntryPoint(import.meta.url)) {
  const dataDir = await mkdtemp(join(tmpdir(), 'okendo-tz-chdb-'));
  const warehouse = await ChdbWarehouse.open(dataDir);
  try {
    process.stdout.write(`${JSON.stringify(await probeWarehouse(warehouse, 'okendo_tz'))}\n`);
  } finally {
    await warehouse.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}
