/**
 * Rebuild, end to end, on the ClickHouse server and on chDB: events loaded through the real pipeline (signed
 * webhooks -> ingest -> Kafka -> sink), then a schema evolution done by hand on the test's database (a column
 * of every state table and of review_tags dropped and added again, so history holds NULL / '' there, as after
 * a migration adding a column the mapping now fills), then `rebuild` while the live sink keeps consuming new
 * versions: every historical row gets the column back from its event, the `_current` counts are unchanged,
 * and nothing acknowledged is lost or doubled. Also the engine rule rebuild rests on: of two rows with equal
 * versions, the later insert wins.
 */
import { envelopeCodec, FIXTURES } from '@okendo/schemas';
import { planBatch, type RebuildSummary, rebuildState, type Warehouse } from '@okendo/sink';
import { describe, expect, it } from 'vitest';
import { runInfra, titleWithSkipReason } from '../harness/infra.js';
import { uniqueName } from '../harness/names.js';
import { pipelineTargets, type TestPipeline } from '../harness/pipeline.js';
import { adminPipelineForSuite } from '../harness/pipeline-suite.js';
import { runReplayCli } from '../harness/replay-cli.js';
import { checkWarehouse, optimizeFinal, totalDuplicates } from '../harness/warehouse-checks.js';
import { DeliveryLedger } from '../traffic/delivery-ledger.js';
import { onlyOf, type PlannedDelivery, planDeliveries } from '../traffic/planned-deliveries.js';
import { runTraffic } from '../traffic/traffic-generator.js';

const infra = runInfra();

/** The "new migration": columns the mapping fills, emptied for history by dropping and adding them again. */
const EVOLVED: ReadonlyArray<{ table: string; column: string; type: string }> = [
  { table: 'reviews', column: 'title', type: 'Nullable(String)' },
  { table: 'loyalty_customers', column: 'status', type: 'Nullable(String)' },
  { table: 'loyalty_transactions', column: 'notification_text', type: 'Nullable(String)' },
  { table: 'quiz_responses', column: 'quiz_name', type: 'Nullable(String)' },
  { table: 'survey_responses', column: 'survey_name', type: 'Nullable(String)' },
  { table: 'review_tags', column: 'tag', type: 'String' },
];

const STATE_VIEWS = [
  ['reviews_current', 'review_id'],
  ['loyalty_customers_current', 'loyalty_customer_id'],
  ['loyalty_transactions_current', 'loyalty_transaction_id'],
  ['quiz_responses_current', 'quiz_response_id'],
  ['survey_responses_current', 'survey_response_id'],
] as const;

/** History, and the newer versions the live sink gets while the rebuild runs. */
function splitDeliveries(prefix: string): { history: PlannedDelivery[]; live: PlannedDelivery[] } {
  const all = planDeliveries({ prefix, entities: 60, maxVersionsPerEntity: 3, deleteRatio: 0.1, seed: 10 });
  const byEntity = new Map<string, PlannedDelivery[]>();
  for (const d of all) byEntity.set(d.entityId, [...(byEntity.get(d.entityId) ?? []), d]);
  // A review sorted after every other entity: the last page of the log always holds it (an off-by-one that
  // drops the last page cannot pass).
  const sentinel = planDeliveries({
    prefix: `${prefix}-zzzz`,
    entities: 1,
    maxVersionsPerEntity: 2,
    deleteRatio: 0,
    mix: onlyOf('review'),
    seed: 13,
  });
  const history: PlannedDelivery[] = [...sentinel];
  const live: PlannedDelivery[] = [];
  [...byEntity.values()].forEach((versions, e) => {
    const last = versions[versions.length - 1];
    // Every other entity whose last version is an update gets it only during the rebuild: its count stays.
    if (e % 2 === 0 && versions.length > 1 && last?.topic === 'update') {
      history.push(...versions.slice(0, -1));
      live.push(last);
    } else history.push(...versions);
  });
  // And entities the history never had.
  live.push(
    ...planDeliveries({
      prefix: `${prefix}-new`,
      entities: 8,
      maxVersionsPerEntity: 2,
      deleteRatio: 0,
      seed: 11,
    }),
  );
  return { history, live };
}

async function currentCounts(
  warehouse: Warehouse,
  db: string,
  prefix: string,
): Promise<Record<string, string>> {
  const counts: Record<string, string> = {};
  for (const [view, id] of STATE_VIEWS) {
    const [row] = await warehouse.query<{ n: string }>(
      `SELECT count() AS n FROM ${db}.${view} WHERE startsWith(${id}, '${prefix}-') AND NOT startsWith(${id}, '${prefix}-new')`,
    );
    counts[view] = row?.n ?? '?';
  }
  return counts;
}

async function eventCount(warehouse: Warehouse, db: string): Promise<number> {
  const [row] = await warehouse.query<{ n: string }>(`SELECT count() AS n FROM ${db}.events_current`);
  return Number(row?.n ?? 0);
}

async function drained(warehouse: Warehouse, db: string, ledger: DeliveryLedger): Promise<void> {
  const want = new Set(ledger.storable().map((d) => d.messageId)).size;
  const deadline = Date.now() + 60_000;
  while ((await eventCount(warehouse, db)) < want) {
    if (Date.now() > deadline) throw new Error(`events did not reach ${want}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe.each(pipelineTargets(infra))('rebuild from the event log on $name', ({ name, target, missing }) => {
  describe.skipIf(missing !== undefined)(titleWithSkipReason(name, missing), () => {
    let pipeline: TestPipeline;
    let db: string;
    /** DDL and checks go through a direct connection (the sink's /sql is read-only); chDB: the same dir */
    let admin: Warehouse;
    let dataDir: string;
    adminPipelineForSuite(infra, target, (started) => {
      ({ pipeline, admin, dataDir } = started);
      db = pipeline.database;
    });

    it('of two rows with the same version, the later insert wins; a higher version still wins over it', async () => {
      const id = uniqueName('eq');
      const review = (suffix: string, sequence: string, title: string) => ({
        review_id: `${id}-${suffix}`,
        sequence_number: sequence,
        is_deleted: 0,
        event_topic: 'update',
        message_id: `m-${title}`,
        source: 'default',
        received_at: 1_790_000_000,
        title,
      });
      // Separate inserts, as a rebuild's insert comes after the live sink's.
      await admin.insertJsonEachRow(`${db}.reviews`, [review('a', '5', 'old mapping')]);
      await admin.insertJsonEachRow(`${db}.reviews`, [review('a', '5', 'new mapping')]);
      await admin.insertJsonEachRow(`${db}.reviews`, [review('b', '6', 'newer live version')]);
      await admin.insertJsonEachRow(`${db}.reviews`, [review('b', '5', 'rebuilt older version')]);
      const tag = (value: string) => ({
        review_id: `${id}-a`,
        sequence_number: '5',
        position: 0,
        tag: value,
      });
      await admin.insertJsonEachRow(`${db}.review_tags`, [tag('old mapping')]);
      await admin.insertJsonEachRow(`${db}.review_tags`, [tag('new mapping')]);
      const read = async (final: string) => ({
        reviews: await admin.query<{ review_id: string; title: string }>(
          `SELECT review_id, title FROM ${db}.reviews ${final} WHERE startsWith(review_id, '${id}') ORDER BY review_id`,
        ),
        tags: await admin.query<{ tag: string }>(
          `SELECT tag FROM ${db}.review_tags ${final} WHERE startsWith(review_id, '${id}')`,
        ),
      });
      const expected = {
        reviews: [
          { review_id: `${id}-a`, title: 'new mapping' },
          { review_id: `${id}-b`, title: 'newer live version' },
        ],
        tags: [{ tag: 'new mapping' }],
      };
      expect(await read('FINAL')).toEqual(expected);
      // And once merged for good (what a background merge leaves).
      await optimizeFinal(admin, db, 'reviews');
      await optimizeFinal(admin, db, 'review_tags');
      expect(await read('')).toEqual(expected);
    });

    it('fills a re-added column for every historical row while the sink consumes new versions', async () => {
      const prefix = uniqueName('rb').replaceAll('_', '-');
      const { history, live } = splitDeliveries(prefix);
      const ledger = new DeliveryLedger();
      await runTraffic({
        url: `${pipeline.ingest.url}/webhooks/okendo`,
        secret: pipeline.ingest.secret,
        deliveries: history,
        ratePerSecond: 200,
        outOfOrderWindow: 10,
        duplicateRatio: 0.1,
        seed: 12,
        ledger,
      });
      await drained(admin, db, ledger);
      const before = await currentCounts(admin, db, prefix);
      expect(Number(before['reviews_current'])).toBeGreaterThan(0);

      // The schema evolution: history now holds NULL ('' for the String tag) in these columns.
      for (const { table, column, type } of EVOLVED) {
        await admin.command(`ALTER TABLE ${db}.${table} DROP COLUMN ${column}`);
        await admin.command(`ALTER TABLE ${db}.${table} ADD COLUMN ${column} ${type}`);
      }
      const emptied = await checkWarehouse(admin, db, ledger.expectedState());
      expect(emptied.wrongState).toBeGreaterThan(0);

      // Rebuild in small pages; after each page the live sink gets another new version.
      const pending = [...live];
      const post = async (delivery: PlannedDelivery) => {
        ledger.recordAttempt(delivery, await pipeline.post({ body: delivery.body }, delivery.messageId));
      };
      const progress: number[] = [];
      const summary: RebuildSummary = await rebuildState({
        warehouse: admin,
        database: db,
        pageSize: 15,
        onProgress: async ({ eventsRead }) => {
          progress.push(eventsRead);
          const next = pending.shift();
          if (next !== undefined) await post(next);
        },
      });
      for (const delivery of pending.splice(0)) await post(delivery);
      expect(summary.notPlanned).toEqual({});
      expect(summary.refused).toEqual({});
      expect(summary.pages).toBeGreaterThan(3);
      expect(progress).toHaveLength(summary.pages);
      // Every event of the history was read (the live ones only if they arrived ahead of the cursor).
      const historyMessages = new Set(history.map((d) => d.messageId)).size;
      expect(summary.eventsRead).toBeGreaterThanOrEqual(historyMessages);
      expect(summary.rowsByTable['events']).toBeUndefined();

      await drained(admin, db, ledger);
      expect(ledger.unacknowledged.size).toBe(0);
      const check = await checkWarehouse(admin, db, ledger.expectedState());
      expect(check.mismatches).toEqual([]);
      expect(check.wrongState).toBe(0);
      expect(totalDuplicates(check.duplicates)).toBe(0);
      // Nothing acknowledged lost: every acknowledged message is in the event log, once.
      const acknowledged = ledger.storable().map((d) => d.messageId);
      const [stored] = await admin.query<{ n: string }>(
        `SELECT uniqExact(message_id) AS n FROM ${db}.events WHERE startsWith(entity_id, '${prefix}-')`,
      );
      expect(Number(stored?.n)).toBe(new Set(acknowledged).size);
      expect(await currentCounts(admin, db, prefix)).toEqual(before);
      const [letters] = await admin.query<{ n: string }>(`SELECT count() AS n FROM ${db}.dead_letters`);
      expect(letters?.n).toBe('0');
    });

    it('pages over ids with quotes, backslashes and unicode one event at a time; source and time filters', async () => {
      const fixture = FIXTURES.find((f) => f.name === 'review.create');
      if (fixture === undefined) throw new Error('no review.create fixture');
      const source = uniqueName('odd');
      const ids = [
        "o'brien",
        "o'brien'",
        'back\\slash',
        "\\'",
        'レビュー-✓',
        'a',
        'a\u0000b',
        "' OR 1 = 1 --",
      ];
      const messages = ids.map((entityId, i) => {
        const value = envelopeCodec.encode({
          messageId: `${source}-${i}`,
          senderTimestamp: 1_790_000_000n,
          // One hour apart, so a time range can cut them.
          receivedAtMs: BigInt(1_790_000_000_000 + i * 3_600_000),
          source,
          resourceType: 'review',
          topic: 'create',
          sequenceNumber: 10n,
          version: '2025-02-01',
          subscriberId: null,
          entityId,
          rawBody: Buffer.from(fixture.body),
        });
        return {
          topic: 'okendo.review',
          topicKey: 'review' as const,
          partition: 0,
          offset: String(i),
          key: null,
          value,
          sizeBytes: value.length,
        };
      });
      await admin.insertJsonEachRow(`${db}.events`, planBatch(messages).rows.get('events') ?? []);
      const summary = await rebuildState({
        warehouse: admin,
        database: db,
        filter: { sources: [source] },
        pageSize: 1,
      });
      expect(summary).toMatchObject({
        eventsRead: ids.length,
        pages: ids.length,
        notPlanned: {},
        refused: {},
      });
      expect(summary.rowsByTable['reviews']).toBe(ids.length);
      const rows = await admin.query<{ review_id: string }>(
        `SELECT review_id FROM ${db}.reviews_current WHERE source = '${source}'`,
      );
      expect(rows.map((r) => r.review_id).sort()).toEqual([...ids].sort());
      // received_at in [i = 2, i = 5): three events
      const ranged = await rebuildState({
        warehouse: admin,
        database: db,
        filter: {
          sources: [source],
          sinceMs: 1_790_000_000_000 + 2 * 3_600_000,
          untilMs: 1_790_000_000_000 + 5 * 3_600_000,
        },
        dryRun: true,
      });
      expect(ranged).toMatchObject({ eventsRead: 3, rowsByTable: { reviews: 3 } });
      const none = await rebuildState({
        warehouse: admin,
        database: db,
        filter: { sources: [`${source}-other`] },
      });
      expect(none).toMatchObject({ eventsRead: 0, pages: 0, rowsByTable: {} });
    });

    // Engine-specific cases are registered only for their engine: a skip would read as missing infrastructure.
    if (name === 'chDB')
      it('npm run rebuild on the embedded warehouse the sink holds: exit 1 saying to stop the sink', async () => {
        const run = await runReplayCli('rebuild', ['--dry-run'], {
          CHDB_DATA_DIR: dataDir,
          CLICKHOUSE_DATABASE: db,
          CLICKHOUSE_URL: '',
        });
        expect(run.code).toBe(1);
        expect(run.stderr).toMatch(/in use by a running sink \(chDB locks its data dir\): stop the sink/);
      });

    if (name === 'ClickHouse server')
      it('npm run rebuild: --dry-run --json counts and writes nothing; filters; usage errors exit 2', async () => {
        const endpoint = infra.clickhouse;
        if (endpoint === undefined) throw new Error('unreachable');
        const env = {
          CLICKHOUSE_URL: endpoint.url,
          CLICKHOUSE_USER: endpoint.username,
          CLICKHOUSE_PASSWORD: endpoint.password,
          CLICKHOUSE_DATABASE: db,
        };
        const [reviews] = await admin.query<{ n: string }>(
          `SELECT count() AS n FROM ${db}.events FINAL WHERE resource_type = 'review'`,
        );
        const rawRows = async () =>
          (await admin.query<{ n: string }>(`SELECT count() AS n FROM ${db}.reviews`))[0]?.n;
        const rowsBefore = await rawRows();
        const dry = await runReplayCli(
          'rebuild',
          ['--dry-run', '--json', '--resource-type', 'review', '--page-size', '7'],
          env,
        );
        expect(dry.stderr).toBe('');
        expect(dry.code).toBe(0);
        const summary = JSON.parse(dry.stdout) as RebuildSummary;
        expect(summary).toMatchObject({ dryRun: true, eventsRead: Number(reviews?.n) });
        expect(Object.keys(summary.rowsByTable).every((t) => t.startsWith('review'))).toBe(true);
        expect(await rawRows()).toBe(rowsBefore);

        const future = await runReplayCli('rebuild', ['--json', '--since', '2100-01-01'], env);
        expect(future.code).toBe(0);
        expect(JSON.parse(future.stdout)).toMatchObject({ eventsRead: 0, rowsByTable: {} });

        const real = await runReplayCli('rebuild', ['--resource-type', 'quiz_response,survey_response'], env);
        expect(real.code).toBe(0);
        expect(real.stdout).toMatch(/^rebuild: \d+ events read in \d+ page\(s\), .* events\/s$/m);
        expect(real.stdout).toMatch(/^ {2}quiz_responses +\d+$/m);

        expect((await runReplayCli('rebuild', ['--help'], env)).code).toBe(0);
        const bad = await runReplayCli('rebuild', ['--since', 'yesterday'], env);
        expect(bad.code).toBe(2);
        expect(bad.stderr).toMatch(/--since: expected an ISO date/);
        expect((await runReplayCli('rebuild', ['--resource-type', 'reveiw'], env)).code).toBe(2);
      });
  });
});
