/**
 * `okendo-pipeline backfill reviews` and `reconcile reviews` as processes against the Okendo fake and a real
 * pipeline (ingest, Kafka, sink, ClickHouse server). The server block's fake allows 10 times Okendo's 2
 * requests/s and the CLI is told so (OKENDO_API_REQUESTS_PER_SECOND): what it proves is resumption and gap
 * finding, not pacing; the embedded block below runs at Okendo's real rate with the client's default pacing.
 * - 5,000 reviews: a run killed with SIGKILL mid-way, then run again, ends with exactly 5,000 reviews in
 *   reviews_current; reviews updated by webhooks first keep their webhook values (a snapshot is sequence 0);
 * - reconcile backfills only the days the warehouse lacks, and a second run finds no gap;
 * - every run leaves operator_audit rows;
 * - survey responses of named surveys land in survey_responses_current; an unknown survey is Okendo's 404.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { OKENDO_API_VERSION } from '@okendo/okendo-api';
import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackfillCheckpoint } from '../../services/cli/src/backfill/checkpoint.js';
import { runInfra, titleWithSkipReason } from '../harness/infra.js';
import { messagesPerTopic } from '../harness/ingest.js';
import { kafkaClient } from '../harness/kafka.js';
import { startTestPipeline, type TestPipeline } from '../harness/pipeline.js';
import { finished, OPERATOR_CLI, runOperatorCli, spawnScript } from '../harness/replay-cli.js';
import { FakeCatalog, sampleReviews, sampleSurveyResponses } from '../okendo-fake/catalog.js';
import { FakeOkendo } from '../okendo-fake/fake-okendo.js';

const infra = runInfra();
const missing = infra.unavailable.kafka ?? infra.unavailable.clickhouse;
const TOTAL = 5_000;
const WEBHOOK_UPDATED = 60;
/** The server block's fake and client: Okendo's limit and the client's default margin under it, times 10. */
const FAST_FAKE_LIMIT = { perSecond: 20, burst: 2 };
const FAST_CLIENT_RATE = '18';

describe.skipIf(infra.kafka === undefined || infra.clickhouse === undefined)(
  titleWithSkipReason('backfill and reconcile of reviews (ClickHouse server)', missing),
  () => {
    const userId = randomUUID();
    const apiKey = randomBytes(16).toString('hex');
    const catalog = new FakeCatalog();
    const reviews = sampleReviews({
      count: TOTAL,
      prefix: randomUUID().slice(0, 8),
      firstDay: '2026-10-01',
      days: 30,
    });
    catalog.addReviews(reviews);
    let fake: FakeOkendo;
    let pipeline: TestPipeline;
    let admin: Admin;
    let dir: string;
    let env: Record<string, string>;

    const one = async <T>(query: string): Promise<T> => {
      const rows = await pipeline.sql<T>(query);
      if (rows[0] === undefined) throw new Error(`no row: ${query}`);
      return rows[0];
    };
    const currentCount = async () =>
      Number((await one<{ n: string }>(`SELECT count() AS n FROM ${pipeline.database}.reviews_current`)).n);
    const waitForCount = (n: number) =>
      pipeline.waitFor<{ n: string }>(
        `SELECT count() AS n FROM ${pipeline.database}.reviews_current`,
        (rows) => Number(rows[0]?.n) === n,
        180_000,
      );

    beforeAll(async () => {
      const brokers = infra.kafka?.brokers;
      const endpoint = infra.clickhouse;
      if (brokers === undefined || endpoint === undefined) throw new Error('unreachable: suite is skipped');
      fake = await FakeOkendo.start({ userId, apiKey, rateLimit: FAST_FAKE_LIMIT, routes: [catalog.route] });
      pipeline = await startTestPipeline(brokers, { kind: 'server', endpoint });
      admin = kafkaClient(brokers).admin();
      await admin.connect();
      dir = await mkdtemp(join(tmpdir(), 'cli-backfill-'));
      env = {
        KAFKA_BROKERS: brokers,
        KAFKA_TOPIC_PREFIX: pipeline.ingest.prefix,
        CLICKHOUSE_URL: endpoint.url,
        CLICKHOUSE_USER: endpoint.username,
        CLICKHOUSE_PASSWORD: endpoint.password,
        CLICKHOUSE_DATABASE: pipeline.database,
        OKENDO_API_URL: fake.url,
        OKENDO_USER_ID: userId,
        OKENDO_API_KEY: apiKey,
        OKENDO_API_REQUESTS_PER_SECOND: FAST_CLIENT_RATE,
        OKENDO_PIPELINE_ACTOR: 'backfill-test',
      };
    }, 120_000);

    afterAll(async () => {
      await admin?.disconnect();
      await pipeline?.stop();
      await fake?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('resumes after kill -9 and ends with exactly 5,000 reviews; webhook versions keep their values', async () => {
      // Webhook updates of some of the same reviews go through the ingest first (every status among them).
      const updated = reviews
        .filter((_, i) => i % Math.floor(TOTAL / WEBHOOK_UPDATED) === 0)
        .slice(0, WEBHOOK_UPDATED);
      expect(new Set(updated.map((r) => r['status'])).size).toBe(3);
      for (const [i, review] of updated.entries()) {
        const body = JSON.stringify({
          resourceType: 'review',
          topic: 'update',
          sequenceNumber: String(2_000_000_000 + i),
          version: OKENDO_API_VERSION,
          resource: { ...review, title: `webhook title ${i}`, rating: 5 },
        });
        expect(await pipeline.post({ body }, `msg_webhook_${review['reviewId']}`)).toBe(200);
      }
      await waitForCount(WEBHOOK_UPDATED);

      const checkpoint = join(dir, 'reviews.json');
      const args = ['--json', 'backfill', 'reviews', '--checkpoint', checkpoint];
      const killed = spawnScript(OPERATOR_CLI, args, env);
      const killedRun = finished(killed);
      // Mid-run: once the checkpoint shows some pages acknowledged, but far from all.
      for (;;) {
        const progress = await readFile(checkpoint, 'utf8')
          .then((text) => JSON.parse(text) as BackfillCheckpoint)
          .catch(() => undefined);
        const published = progress?.passes.reduce((sum, p) => sum + p.published, 0) ?? 0;
        if (published >= 1_000) break;
        if (killed.exitCode !== null)
          throw new Error(`the backfill ended before the kill: ${(await killedRun).stderr}`);
        await sleep(100);
      }
      killed.kill('SIGKILL');
      const first = await killedRun;
      expect(first.code).toBeNull();
      const left = JSON.parse(await readFile(checkpoint, 'utf8')) as BackfillCheckpoint;
      const publishedBeforeKill = left.passes.reduce((sum, p) => sum + p.published, 0);
      expect(publishedBeforeKill).toBeLessThan(TOTAL);

      const second = await runOperatorCli(args, env);
      expect(second.code, second.stderr).toBe(0);
      const summary = JSON.parse(second.stdout) as {
        complete: boolean;
        resumed: boolean;
        published: number;
        publishedThisRun: number;
        seconds: number;
        perSecond: number;
      };
      expect(summary).toMatchObject({ complete: true, resumed: true, published: TOTAL });
      // The resume re-reads at most the page in flight at the kill.
      expect(summary.publishedThisRun).toBeLessThanOrEqual(TOTAL - publishedBeforeKill + 100);
      console.info(
        `backfill against the fake (20 requests/s, 100 reviews a page): resumed run ${summary.publishedThisRun} ` +
          `reviews in ${summary.seconds} s = ${summary.perSecond} reviews/s`,
      );
      await expect(readFile(checkpoint)).rejects.toMatchObject({ code: 'ENOENT' });

      await waitForCount(TOTAL);
      const db = pipeline.database;
      const webhookRows = await pipeline.sql<{ review_id: string; title: string; sequence_number: string }>(
        `SELECT review_id, title, toString(sequence_number) AS sequence_number FROM ${db}.reviews_current
         WHERE review_id IN (${updated.map((r) => `'${r['reviewId']}'`).join(',')}) ORDER BY review_id`,
      );
      expect(webhookRows).toHaveLength(WEBHOOK_UPDATED);
      const expected = new Map(updated.map((r, i) => [String(r['reviewId']), i]));
      for (const row of webhookRows) {
        const i = expected.get(row.review_id) ?? -1;
        expect(row).toEqual({
          review_id: row.review_id,
          title: `webhook title ${i}`,
          sequence_number: String(2_000_000_000 + i),
        });
      }
      const snapshots = await one<{ n: string; titled: string }>(
        `SELECT count() AS n, countIf(title LIKE 'Review %') AS titled FROM ${db}.reviews_current
         WHERE sequence_number = 0`,
      );
      expect(Number(snapshots.n)).toBe(TOTAL - WEBHOOK_UPDATED);
      expect(Number(snapshots.titled)).toBe(TOTAL - WEBHOOK_UPDATED);

      const audit = await pipeline.sql<{ outcome: string; detail: string; actor: string }>(
        `SELECT outcome, detail, actor FROM ${db}.operator_audit WHERE command = 'backfill reviews' ORDER BY at_ms`,
      );
      expect(audit.map((row) => row.outcome)).toEqual(['incomplete', 'incomplete', 'ok']);
      expect(audit.every((row) => row.actor === 'backfill-test')).toBe(true);
      expect(audit[2]?.detail).toMatch(/^published 5000 .*resumed from a checkpoint/);
    }, 400_000);

    it('reconcile backfills only the days the warehouse lacks; a second run finds no gap', async () => {
      // Reviews Okendo has but the warehouse never saw: two days of their own and a few on an existing day.
      const late = [
        ...sampleReviews({
          count: 40,
          prefix: `late-${randomUUID().slice(0, 6)}`,
          firstDay: '2026-11-10',
          days: 2,
        }),
        ...sampleReviews({
          count: 7,
          prefix: `late-${randomUUID().slice(0, 6)}`,
          firstDay: '2026-10-05',
          days: 1,
        }),
      ];
      catalog.addReviews(late);
      const lateDays = new Set(late.map((r) => String(r['dateCreated']).slice(0, 10)));
      expect([...lateDays].sort()).toEqual(['2026-10-05', '2026-11-10', '2026-11-11']);
      const topicBefore = (await messagesPerTopic(admin, pipeline.ingest))['review'] ?? 0;

      const run = await runOperatorCli(['--json', 'reconcile', 'reviews'], env);
      expect(run.code, run.stderr).toBe(0);
      const result = JSON.parse(run.stdout) as {
        days: { day: string; okendo: number; warehouse: number; backfilled: number }[];
        differing: number;
        published: number;
      };
      const backfilledDays = result.days.filter((d) => d.backfilled > 0).map((d) => d.day);
      expect(backfilledDays.sort()).toEqual([...lateDays].sort());
      expect(result.differing).toBe(lateDays.size);
      const topicAfter = (await messagesPerTopic(admin, pipeline.ingest))['review'] ?? 0;
      // Only the differing (day, status) groups were published: the late reviews plus their day-mates.
      expect(topicAfter - topicBefore).toBe(result.published);
      const onLateDays = [...reviews, ...late].filter((r) =>
        lateDays.has(String(r['dateCreated']).slice(0, 10)),
      ).length;
      expect(result.published).toBeGreaterThanOrEqual(late.length);
      expect(result.published).toBeLessThanOrEqual(onLateDays);
      expect(result.days.find((d) => d.day === '2026-11-10')).toMatchObject({ warehouse: 0 });

      await waitForCount(TOTAL + late.length);
      expect(await currentCount()).toBe(TOTAL + late.length);
      const again = await runOperatorCli(['--json', 'reconcile', 'reviews'], env);
      expect(again.code, again.stderr).toBe(0);
      expect(JSON.parse(again.stdout)).toMatchObject({ differing: 0, published: 0 });
      const audit = await pipeline.sql<{ outcome: string; detail: string }>(
        `SELECT outcome, detail FROM ${pipeline.database}.operator_audit WHERE command = 'reconcile reviews'
         ORDER BY at_ms`,
      );
      expect(audit.map((row) => row.outcome)).toEqual(['incomplete', 'ok', 'incomplete', 'ok']);
      expect(audit[1]?.detail).toMatch(/differing 3 .*published \d+/);
      expect(audit[3]?.detail).toMatch(/differing 0, published 0/);
    }, 300_000);

    it('backfills the responses of the named surveys into survey_responses_current', async () => {
      const prefix = randomUUID().slice(0, 8);
      const surveys = [randomUUID(), randomUUID()];
      const [first, second] = surveys as [string, string];
      catalog.addSurveyResponses(first, sampleSurveyResponses(first, 130, `${prefix}-a`, '2026-10-01'));
      catalog.addSurveyResponses(second, sampleSurveyResponses(second, 20, `${prefix}-b`, '2026-10-03'));
      const run = await runOperatorCli(
        [
          '--json',
          'backfill',
          'survey-responses',
          '--survey',
          `${first},${second}`,
          '--checkpoint',
          join(dir, 's.json'),
        ],
        env,
      );
      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({
        complete: true,
        published: 150,
        passes: [
          { pass: `survey:${first}`, published: 130, done: true },
          { pass: `survey:${second}`, published: 20, done: true },
        ],
      });
      const rows = await pipeline.waitFor<{ survey_id: string; n: string; answered: string }>(
        `SELECT survey_id, count() AS n, countIf(survey_response_id IN (
           SELECT survey_response_id FROM ${pipeline.database}.survey_answers_current)) AS answered
         FROM ${pipeline.database}.survey_responses_current GROUP BY survey_id ORDER BY n DESC`,
        // State rows are inserted before their child rows: wait for both.
        (found) => found.reduce((sum, row) => sum + Number(row.n) + Number(row.answered), 0) === 300,
        120_000,
      );
      expect(rows.map((row) => [row.survey_id, Number(row.n), Number(row.answered)])).toEqual([
        [first, 130, 130],
        [second, 20, 20],
      ]);
      const unknown = await runOperatorCli(['backfill', 'survey-responses', '--survey', randomUUID()], {
        ...env,
        OKENDO_PIPELINE_ACTOR: 'backfill-test',
      });
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toMatch(/^okendo-pipeline: Okendo answered 404 .*survey not found$/m);
    }, 200_000);

    it('a refused key exits 1 and an unreachable Okendo exits 4, one line each, the key never shown', async () => {
      const wrongKey = randomBytes(16).toString('hex');
      const refused = await runOperatorCli(
        ['backfill', 'reviews', '--checkpoint', join(dir, 'refused.json')],
        {
          ...env,
          OKENDO_API_KEY: wrongKey,
        },
      );
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(
        /^okendo-pipeline: Okendo answered 401 to GET \/enterprise\/reviews: .*OKENDO_API_KEY\n$/,
      );
      const down = await runOperatorCli(['backfill', 'reviews', '--checkpoint', join(dir, 'down.json')], {
        ...env,
        OKENDO_API_URL: 'http://127.0.0.1:9/enterprise',
      });
      expect(down.code).toBe(4);
      expect(down.stderr).toMatch(
        /^okendo-pipeline: cannot reach Okendo .*; run it again to resume from .*down\.json\n$/,
      );
      for (const run of [refused, down]) {
        expect(`${run.stdout}${run.stderr}`).not.toContain(wrongKey);
        expect(`${run.stdout}${run.stderr}`).not.toContain(apiKey);
      }
      const audit = await pipeline.sql<{ outcome: string; detail: string }>(
        `SELECT outcome, detail FROM ${pipeline.database}.operator_audit WHERE command = 'backfill reviews'
         ORDER BY at_ms DESC LIMIT 3`,
      );
      expect(audit.map((row) => row.outcome)).toEqual(['incomplete', 'incomplete', 'failed']);
      expect(audit[0]?.detail).toMatch(/stopped: network_error/);
      expect(audit[2]?.detail).toMatch(/stopped: unauthorized 401/);
    }, 120_000);
  },
);

describe.skipIf(infra.kafka === undefined || infra.chdb === undefined)(
  titleWithSkipReason(
    'backfill and reconcile in embedded mode (chDB, through the sink)',
    infra.unavailable.kafka ?? infra.unavailable.chdb,
  ),
  () => {
    const userId = randomUUID();
    const apiKey = randomBytes(16).toString('hex');
    const catalog = new FakeCatalog();
    catalog.addReviews(
      sampleReviews({ count: 300, prefix: randomUUID().slice(0, 8), firstDay: '2026-10-01', days: 5 }),
    );
    let fake: FakeOkendo;
    let pipeline: TestPipeline;
    let env: Record<string, string | undefined>;
    const count = `SELECT count() AS n FROM {db}.reviews_current`;

    beforeAll(async () => {
      const brokers = infra.kafka?.brokers;
      if (brokers === undefined) throw new Error('unreachable: suite is skipped');
      fake = await FakeOkendo.start({ userId, apiKey, routes: [catalog.route] });
      pipeline = await startTestPipeline(brokers, { kind: 'chdb' });
      env = {
        KAFKA_BROKERS: brokers,
        KAFKA_TOPIC_PREFIX: pipeline.ingest.prefix,
        CLICKHOUSE_URL: undefined,
        CLICKHOUSE_DATABASE: pipeline.database,
        SINK_URL: pipeline.sink.url,
        OKENDO_API_URL: fake.url,
        OKENDO_USER_ID: userId,
        OKENDO_API_KEY: apiKey,
      };
    }, 120_000);

    afterAll(async () => {
      await pipeline?.stop();
      await fake?.stop();
    });

    it('backfills, finds a missing day with --dry-run (exit 1), fills it, and audits through the sink', async () => {
      const sql = count.replace('{db}', pipeline.database);
      const backfill = await runOperatorCli(
        ['backfill', 'reviews', '--checkpoint', join(tmpdir(), `${randomUUID()}.json`)],
        env,
      );
      expect(backfill.code, backfill.stderr).toBe(0);
      expect(backfill.stdout).toMatch(/^300 published in /m);
      await pipeline.waitFor<{ n: string }>(sql, (rows) => Number(rows[0]?.n) === 300, 120_000);

      catalog.addReviews(
        sampleReviews({
          count: 5,
          prefix: `gap-${randomUUID().slice(0, 6)}`,
          firstDay: '2026-10-09',
          days: 1,
        }),
      );
      const dry = await runOperatorCli(['--json', 'reconcile', 'reviews', '--dry-run'], env);
      expect(dry.code, dry.stderr).toBe(1);
      expect(JSON.parse(dry.stdout)).toMatchObject({ differing: 1, published: 0 });
      const real = await runOperatorCli(['reconcile', 'reviews', '--since', '2026-10-01'], env);
      expect(real.code, real.stderr).toBe(0);
      expect(real.stdout).toMatch(/^2026-10-09 +5 +0 +backfilled 5$/m);
      await pipeline.waitFor<{ n: string }>(sql, (rows) => Number(rows[0]?.n) === 305, 120_000);

      const audit = await pipeline.sql<{ command: string; outcome: string }>(
        `SELECT command, outcome FROM ${pipeline.database}.operator_audit ORDER BY at_ms`,
      );
      expect(audit.map((row) => `${row.command} ${row.outcome}`)).toEqual([
        'backfill reviews incomplete',
        'backfill reviews ok',
        'reconcile reviews incomplete',
        'reconcile reviews dry_run',
        'reconcile reviews incomplete',
        'reconcile reviews ok',
      ]);
    }, 300_000);
  },
);
