/**
 * `okendo-pipeline replay`, end to end on the ClickHouse server and on chDB (where the CLI reads through the
 * running sink's POST /sql): events loaded through the real pipeline in three waves, then
 * - a replay of the middle wave's time range publishes exactly its messages (the dry run's counts, the real
 *   run's counts and the messages added to the topics all agree) and, once the sink has consumed them, every
 *   `_current` view is the same, row for row;
 * - a replay killed with SIGKILL mid-run and run again with the same checkpoint publishes only what the first
 *   run had not checkpointed (at most the page in flight twice), and a third run publishes nothing;
 * - dead letters and unrouted deliveries whose cause is gone (left by an older, stricter sink or ingest) are
 *   published and land in reviews_current; the ones still failing are reported and not published;
 * - every run is in operator_audit (dry_run, ok, incomplete).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { envelopeCodec, FIXTURES, RESOURCE_TYPES, type WebhookEnvelope } from '@okendo/schemas';
import { type ConsumedMessage, deadLetterRow, newDeadLetter, planBatch, type Warehouse } from '@okendo/sink';
import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInfra, titleWithSkipReason } from '../harness/infra.js';
import { messagesPerTopic } from '../harness/ingest.js';
import { kafkaClient } from '../harness/kafka.js';
import { uniqueName } from '../harness/names.js';
import { pipelineTargets, sinkEnv, type TestPipeline } from '../harness/pipeline.js';
import { adminPipelineForSuite } from '../harness/pipeline-suite.js';
import { finished, OPERATOR_CLI, runOperatorCli, spawnScript } from '../harness/replay-cli.js';
import { DeliveryLedger } from '../traffic/delivery-ledger.js';
import { planDeliveries } from '../traffic/planned-deliveries.js';
import { runTraffic } from '../traffic/traffic-generator.js';

const infra = runInfra();

interface ReplayJson {
  dryRun: boolean;
  resumed: boolean;
  alreadyComplete: boolean;
  byType: Record<string, number>;
  published: number;
  publishedThisRun: number;
  skipped: Record<string, number>;
  complete: boolean;
  pageSize: number;
  seconds: number;
  eventsPerSecond: number;
}

const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, n) => a + n, 0);

function delta(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, n] of Object.entries(after)) if (n !== before[key]) out[key] = n - (before[key] ?? 0);
  return out;
}

/** Every `_current` view, all rows, all columns but inserted_at (events_current also without its Kafka place). */
async function snapshot(warehouse: Warehouse, db: string): Promise<Record<string, string[]>> {
  const views = await warehouse.query<{ name: string }>(
    `SELECT name FROM system.tables WHERE database = '${db}' AND endsWith(name, '_current') ORDER BY name`,
  );
  const out: Record<string, string[]> = {};
  for (const { name } of views) {
    const columns = (await warehouse.query<{ name: string }>(`DESCRIBE TABLE ${db}.${name}`))
      .map((c) => c.name)
      .filter((c) => c !== 'inserted_at' && !(name === 'events_current' && c.startsWith('kafka_')));
    const rows = await warehouse.query<Record<string, unknown>>(
      `SELECT ${columns.join(', ')} FROM ${db}.${name}`,
    );
    out[name] = rows.map((row) => JSON.stringify(row)).sort();
  }
  return out;
}

/** Waits until the sink's group has committed every message on the resource topics. */
async function caughtUp(admin: Admin, pipeline: TestPipeline): Promise<void> {
  const topics = RESOURCE_TYPES.map((type) => pipeline.ingest.topic(type));
  const deadline = Date.now() + 60_000;
  for (;;) {
    const committed = await admin.fetchOffsets({ groupId: pipeline.groupId, topics });
    let behind = 0;
    for (const { topic, partitions } of committed) {
      const ends = await admin.fetchTopicOffsets(topic);
      for (const end of ends) {
        const done = partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
        behind += Math.max(0, Number(end.high) - Math.max(0, Number(done)));
      }
    }
    if (behind === 0) return;
    if (Date.now() > deadline) throw new Error(`the sink is still ${behind} message(s) behind`);
    await sleep(200);
  }
}

async function count(warehouse: Warehouse, sql: string): Promise<number> {
  const [row] = await warehouse.query<{ n: string }>(sql);
  return Number(row?.n ?? 0);
}

function fixtureBody(name: string): Record<string, unknown> & { resource: Record<string, unknown> } {
  const fixture = FIXTURES.find((f) => f.name === name);
  if (fixture === undefined) throw new Error(`no fixture ${name}`);
  return JSON.parse(fixture.body);
}

describe.each(pipelineTargets(infra))('replay through Kafka on $name', ({ name, target, missing }) => {
  describe.skipIf(missing !== undefined)(titleWithSkipReason(name, missing), () => {
    let pipeline: TestPipeline;
    let warehouse: Warehouse;
    let dataDir: string;
    let db: string;
    let kafka: Admin;
    let env: Record<string, string | undefined>;
    let work: string;
    const prefix = uniqueName('rp').replaceAll('_', '-');
    /** the receive-time bounds of the middle wave */
    let since: string;
    let until: string;

    // Reads of more than 256 KiB are refused (the sink's /sql, the CLI's direct reads): pages must shrink.
    const RESULT_BYTES = String(256 * 1_024);
    adminPipelineForSuite(
      infra,
      target,
      (started) => {
        ({ pipeline, admin: warehouse, dataDir } = started);
        db = pipeline.database;
      },
      { SINK_SQL_MAX_RESULT_BYTES: RESULT_BYTES },
    );

    beforeAll(async () => {
      const brokers = infra.kafka?.brokers ?? '';
      kafka = kafkaClient(brokers).admin();
      await kafka.connect();
      work = await mkdtemp(join(tmpdir(), 'okendo-replay-'));
      const chosen = target();
      if (chosen === undefined) throw new Error('unreachable: suite is skipped');
      env = {
        KAFKA_BROKERS: brokers,
        KAFKA_TOPIC_PREFIX: pipeline.ingest.prefix,
        SINK_GROUP_ID: pipeline.groupId,
        CLICKHOUSE_DATABASE: db,
        SINK_URL: pipeline.sink.url,
        CLICKHOUSE_URL: undefined,
        ...sinkEnv(chosen, dataDir),
        OKENDO_PIPELINE_ACTOR: 'replay-test',
        OKENDO_PIPELINE_MAX_RESULT_BYTES: RESULT_BYTES,
      };
      // Three waves, each drained before the next, so the middle one's receive times lie between two marks.
      const waves: number[] = [];
      const marks: number[] = [];
      for (const seed of [1, 2, 3]) {
        const deliveries = planDeliveries({
          prefix: `${prefix}-w${seed}`,
          entities: 30,
          maxVersionsPerEntity: 3,
          deleteRatio: 0.1,
          seed,
        });
        const ledger = new DeliveryLedger();
        marks.push(Date.now());
        await runTraffic({
          url: `${pipeline.ingest.url}/webhooks/okendo`,
          secret: pipeline.ingest.secret,
          deliveries,
          ratePerSecond: 300,
          outOfOrderWindow: 5,
          duplicateRatio: 0.1,
          seed,
          ledger,
        });
        waves.push(new Set(ledger.storable().map((d) => d.messageId)).size);
        const want = waves.reduce((a, n) => a + n, 0);
        const deadline = Date.now() + 60_000;
        while ((await count(warehouse, `SELECT count() AS n FROM ${db}.events FINAL`)) < want) {
          if (Date.now() > deadline) throw new Error(`events did not reach ${want}`);
          await sleep(200);
        }
      }
      marks.push(Date.now());
      since = new Date(marks[1] ?? 0).toISOString();
      until = new Date(marks[2] ?? 0).toISOString();
      await caughtUp(kafka, pipeline);
    });

    afterAll(async () => {
      await kafka?.disconnect();
      if (work !== undefined) await rm(work, { recursive: true, force: true });
    });

    const replay = async (args: readonly string[]) => {
      const run = await runOperatorCli(['--json', 'replay', ...args], env);
      return { ...run, json: run.stdout === '' ? undefined : (JSON.parse(run.stdout) as ReplayJson) };
    };

    it('re-publishes exactly the events of a time range; the dry run said so; the state is unchanged', async () => {
      const range = ['--since', since, '--until', until];
      const expected = await warehouse.query<{ resource_type: string; n: string }>(
        `SELECT resource_type, count() AS n FROM ${db}.events FINAL WHERE received_at_ms >= ${Date.parse(since)} AND received_at_ms < ${Date.parse(until)} GROUP BY resource_type`,
      );
      const expectedByType = Object.fromEntries(expected.map((r) => [r.resource_type, Number(r.n)]));
      expect(total(expectedByType)).toBeGreaterThan(20);
      const before = await snapshot(warehouse, db);
      const offsetsBefore = await messagesPerTopic(kafka, pipeline.ingest);

      const dry = await replay([...range, '--dry-run']);
      expect(dry.code, dry.stderr).toBe(0);
      expect(dry.json).toMatchObject({
        dryRun: true,
        byType: expectedByType,
        published: total(expectedByType),
      });
      expect(await messagesPerTopic(kafka, pipeline.ingest)).toEqual(offsetsBefore);

      const real = await replay([...range, '--yes', '--page-size', '7']);
      expect(real.code, real.stderr).toBe(0);
      expect(real.json).toMatchObject({ dryRun: false, byType: expectedByType, skipped: {}, complete: true });
      const added = delta(await messagesPerTopic(kafka, pipeline.ingest), offsetsBefore);
      expect(added).toEqual(expectedByType);
      console.info(
        `replay ${name}: ${real.json?.publishedThisRun} events in ${real.json?.seconds.toFixed(2)} s, ${Math.round(real.json?.eventsPerSecond ?? 0)} events/s (pages of 7)`,
      );

      await caughtUp(kafka, pipeline);
      expect(await snapshot(warehouse, db)).toEqual(before);

      // The whole log in default pages (1000 rows, halved until a page fits the result limit).
      const all = await count(warehouse, `SELECT count() AS n FROM ${db}.events FINAL`);
      const offsetsBeforeAll = await messagesPerTopic(kafka, pipeline.ingest);
      const whole = await replay(['--yes']);
      expect(whole.code, whole.stderr).toBe(0);
      expect(whole.json).toMatchObject({ published: all, skipped: {} });
      expect(whole.json?.pageSize).toBeLessThan(1_000);
      expect(total(delta(await messagesPerTopic(kafka, pipeline.ingest), offsetsBeforeAll))).toBe(all);
      console.info(
        `replay ${name}: the whole log, ${all} events in ${whole.json?.seconds.toFixed(2)} s, ${Math.round(whole.json?.eventsPerSecond ?? 0)} events/s (pages shrunk to ${whole.json?.pageSize})`,
      );
      await caughtUp(kafka, pipeline);
      expect(await snapshot(warehouse, db)).toEqual(before);

      // Outside a terminal a real run without --yes is refused, and publishes nothing.
      const unconfirmed = await replay(range);
      expect(unconfirmed.code).toBe(2);
      expect(unconfirmed.stderr).toContain('--yes');
    });

    it('resumes from its checkpoint after kill -9, publishing only what was not acknowledged', async () => {
      const checkpoint = join(work, 'all.json');
      const all = await count(warehouse, `SELECT count() AS n FROM ${db}.events FINAL`);
      const before = await snapshot(warehouse, db);
      const offsetsBefore = await messagesPerTopic(kafka, pipeline.ingest);
      const pageSize = 5;
      const args = ['--json', 'replay', '--yes', '--checkpoint', checkpoint, '--page-size', String(pageSize)];
      const child = spawnScript(OPERATOR_CLI, [...args, '--rate', '40/s'], env);
      const ended = finished(child);
      let saved: { published: number; done: boolean } | undefined;
      const deadline = Date.now() + 60_000;
      while (saved === undefined || saved.published < 3 * pageSize) {
        if (Date.now() > deadline) throw new Error('the replay wrote no checkpoint');
        await sleep(50);
        saved = JSON.parse(await readFile(checkpoint, 'utf8').catch(() => 'null')) ?? undefined;
      }
      child.kill('SIGKILL');
      const killed = await ended;
      expect(killed.code).toBeNull();
      const atKill = JSON.parse(await readFile(checkpoint, 'utf8')) as { published: number; done: boolean };
      expect(atKill.done).toBe(false);
      const firstRun = total(delta(await messagesPerTopic(kafka, pipeline.ingest), offsetsBefore));
      // Acknowledged but not yet checkpointed: at most the page in flight when it was killed.
      expect(firstRun - atKill.published).toBeGreaterThanOrEqual(0);
      expect(firstRun - atKill.published).toBeLessThanOrEqual(pageSize);
      expect(atKill.published).toBeLessThan(all);

      const resumed = await replay(args.slice(2));
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(resumed.json).toMatchObject({
        resumed: true,
        published: all,
        publishedThisRun: all - atKill.published,
      });
      const both = total(delta(await messagesPerTopic(kafka, pipeline.ingest), offsetsBefore));
      expect(both).toBe(firstRun + all - atKill.published);

      const again = await replay(args.slice(2));
      expect(again.code, again.stderr).toBe(0);
      expect(again.json).toMatchObject({ alreadyComplete: true, publishedThisRun: 0 });
      expect(total(delta(await messagesPerTopic(kafka, pipeline.ingest), offsetsBefore))).toBe(both);

      await caughtUp(kafka, pipeline);
      expect(await snapshot(warehouse, db)).toEqual(before);

      // Another filter with this checkpoint is refused.
      const other = await replay([...args.slice(2), '--resource-type', 'review']);
      expect(other.code).toBe(2);
      expect(other.stderr).toContain('belongs to another replay');
    });

    it('publishes dead letters and unrouted deliveries whose cause is gone, and reports the rest', async () => {
      const run = uniqueName('dl').replaceAll('_', '-');
      const topic = pipeline.ingest.topic('review');
      const oldEvent = (body: Record<string, unknown>, entityId: string, offset: number) => {
        const envelope: WebhookEnvelope = {
          messageId: `msg_${entityId}`,
          senderTimestamp: 1_789_999_990n,
          receivedAtMs: 1_789_999_995_000n,
          source: 'default',
          resourceType: 'review',
          topic: 'update',
          sequenceNumber: BigInt(String(body['sequenceNumber'])),
          version: '2025-02-01',
          subscriberId: null,
          entityId,
          rawBody: Buffer.from(JSON.stringify(body)),
        };
        const value = envelopeCodec.encode(envelope);
        const message: ConsumedMessage = {
          topic,
          topicKey: 'review',
          partition: 0,
          offset: String(offset),
          key: Buffer.from(entityId),
          value,
          sizeBytes: value.length,
        };
        const [events] = planBatch([message]).rows.get('events') ?? [];
        if (events === undefined) throw new Error('no events row planned');
        return { envelope, message, events };
      };
      // A review whose rating came as an object: an older strict sink dead-lettered it; today's maps it.
      const healed = fixtureBody('review.update');
      healed.resource['rating'] = { stars: 'five' };
      healed.resource['reviewId'] = `${run}-healed`;
      const healedEvent = oldEvent(healed, `${run}-healed`, 900_001);
      // An events row whose payload is not JSON: still not plannable, so not published.
      const broken = oldEvent(fixtureBody('review.create'), `${run}-broken`, 900_002);
      await warehouse.insertJsonEachRow(`${db}.events`, [
        healedEvent.events,
        { ...broken.events, payload: '{"resourceType": "review", ' },
      ]);
      const failedAt = Date.now();
      await warehouse.insertJsonEachRow(`${db}.dead_letters`, [
        deadLetterRow(
          newDeadLetter(healedEvent.message, 'rating must be a number', healedEvent.envelope, failedAt),
          failedAt,
        ),
        deadLetterRow(
          newDeadLetter(broken.message, 'Unexpected end of JSON input', broken.envelope, failedAt),
          failedAt,
        ),
      ]);

      const dry = await replay(['--from', 'dead-letters', '--dry-run']);
      expect(dry.code, dry.stderr).toBe(0);
      expect(dry.json).toMatchObject({
        byType: { review: 1 },
        skipped: { 'still not plannable: invalid JSON': 1 },
      });
      const offsetsBefore = await messagesPerTopic(kafka, pipeline.ingest);
      const letters = await replay(['--from', 'dead-letters', '--yes']);
      expect(letters.code, letters.stderr).toBe(3);
      expect(letters.json).toMatchObject({
        published: 1,
        byType: { review: 1 },
        skipped: { 'still not plannable: invalid JSON': 1 },
      });
      expect(delta(await messagesPerTopic(kafka, pipeline.ingest), offsetsBefore)).toEqual({ review: 1 });
      const [row] = await pipeline.waitFor<{ message_id: string; rating: number | null }>(
        `SELECT message_id, rating FROM ${db}.reviews_current WHERE review_id = '${run}-healed'`,
        (rows) => rows.length === 1,
      );
      expect(row).toEqual({ message_id: healedEvent.envelope.messageId, rating: null });

      // Unrouted deliveries parked by an older ingest that did not know reviews, and one that is not JSON.
      const parked = fixtureBody('review.create');
      parked.resource['reviewId'] = `${run}-parked`;
      const unrouted = (messageId: string, body: string, reason: string) => ({
        message_id: messageId,
        source: 'default',
        reason_code: reason,
        reason,
        sender_timestamp: Math.floor(Date.now() / 1_000),
        received_at: Math.floor(Date.now() / 1_000),
        kafka_partition: 0,
        kafka_offset: '1',
        payload: body,
        payload_base64: Buffer.from(body).toString('base64'),
      });
      await warehouse.insertJsonEachRow(`${db}.unrouted_deliveries`, [
        unrouted(`msg_${run}-parked`, JSON.stringify(parked), 'unknown_resource_type'),
        unrouted(`msg_${run}-garbage`, 'not json', 'invalid_json'),
      ]);
      const offsetsBeforeUnrouted = await messagesPerTopic(kafka, pipeline.ingest);
      const rerouted = await replay(['--from', 'unrouted', '--yes']);
      expect(rerouted.code, rerouted.stderr).toBe(3);
      expect(rerouted.json).toMatchObject({
        published: 1,
        byType: { review: 1 },
        skipped: { 'still unroutable: invalid_json': 1 },
      });
      expect(delta(await messagesPerTopic(kafka, pipeline.ingest), offsetsBeforeUnrouted)).toEqual({
        review: 1,
      });
      await pipeline.waitFor(
        `SELECT message_id FROM ${db}.reviews_current WHERE review_id = '${run}-parked' AND message_id = 'msg_${run}-parked'`,
        (rows) => rows.length === 1,
      );
    });

    // Engine-specific: registered only for its engine (a skip would read as missing infrastructure).
    if (name === 'chDB')
      it('rebuild refuses the data dir the running sink holds: exit 1 saying to stop the sink, audited', async () => {
        const run = await runOperatorCli(['rebuild', '--dry-run'], { ...env, SINK_URL: pipeline.sink.url });
        expect(run.code).toBe(1);
        expect(run.stderr).toMatch(/in use by a running sink \(chDB locks its data dir\): stop the sink/);
        const [row] = await warehouse.query<{ outcome: string }>(
          `SELECT outcome FROM ${db}.operator_audit WHERE command = 'rebuild'`,
        );
        expect(row).toEqual({ outcome: 'failed' });
      });

    it('audits every run', async () => {
      const rows = await warehouse.query<{ outcome: string; target: string; actor: string }>(
        `SELECT outcome, target, actor FROM ${db}.operator_audit WHERE command = 'replay' ORDER BY at_ms`,
      );
      const outcomes = rows.map((r) => r.outcome);
      expect(outcomes).toContain('dry_run');
      expect(outcomes).toContain('ok');
      expect(outcomes).toContain('incomplete');
      expect(rows.every((r) => r.actor === 'replay-test')).toBe(true);
      expect(rows.some((r) => r.target.startsWith('from events since '))).toBe(true);
    });
  });
});
