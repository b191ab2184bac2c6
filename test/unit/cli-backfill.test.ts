/**
 * Backfill and reconcile without Kafka or ClickHouse: the REST client's review and survey-response pages
 * against the Okendo fake's catalog, snapshot envelopes (sequence 0, deterministic ids), the checkpointed loop
 * (a crash after a publish resumes without losing or skipping a page) and the per-day reconcile decision.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OkendoClient, OkendoCredentials, type ReviewStatus } from '@okendo/okendo-api';
import { envelopeCodec, type WebhookEnvelope } from '@okendo/schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackfillCheckpoint } from '../../services/cli/src/backfill/checkpoint.js';
import { groupKey, reconcileReviews } from '../../services/cli/src/backfill/reconcile-reviews.js';
import { runBackfill } from '../../services/cli/src/backfill/run-backfill.js';
import { snapshotEnvelope } from '../../services/cli/src/backfill/snapshot-envelope.js';
import { reviewPasses } from '../../services/cli/src/commands/backfill.js';
import { runOperatorCli } from '../harness/replay-cli.js';
import { FakeCatalog, sampleReviews } from '../okendo-fake/catalog.js';
import { FakeOkendo } from '../okendo-fake/fake-okendo.js';

const userId = randomUUID();
const apiKey = randomBytes(16).toString('hex');
const catalog = new FakeCatalog();
const reviews = sampleReviews({ count: 250, prefix: 'unit', firstDay: '2026-10-01', days: 10 });
catalog.addReviews(reviews);
catalog.addSurveyResponses('survey-1', [
  { surveyResponseId: 'r-1', dateCreated: '2026-10-02T10:00:00.000Z', answeredQuestions: [] },
  { surveyResponseId: 'r-2', dateCreated: '2026-10-01T10:00:00.000Z', answeredQuestions: [] },
]);
let fake: FakeOkendo;
let client: OkendoClient;
let dir: string;

beforeAll(async () => {
  fake = await FakeOkendo.start({ userId, apiKey, rateLimit: false, routes: [catalog.route] });
  client = new OkendoClient({
    credentials: new OkendoCredentials(userId, apiKey),
    baseUrl: fake.url,
    rateLimit: { requestsPerSecond: 1_000, burst: 1_000 },
  });
  dir = await mkdtemp(join(tmpdir(), 'cli-backfill-'));
});

afterAll(async () => {
  await fake?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const byStatus = (status: ReviewStatus) => reviews.filter((r) => r['status'] === status);

async function allPages(status: ReviewStatus, limit: number, lastEvaluated?: string) {
  const pages: { ids: string[]; lastEvaluated?: string }[] = [];
  for await (const page of client.reviewPages({
    status,
    limit,
    orderBy: 'date asc',
    ...(lastEvaluated ? { lastEvaluated } : {}),
  })) {
    if (!page.ok) throw new Error(page.error.message);
    pages.push({
      ids: page.value.reviews.map((r) => r.reviewId),
      ...(page.value.lastEvaluated ? { lastEvaluated: page.value.lastEvaluated } : {}),
    });
  }
  return pages;
}

describe('the REST client over the fake catalog', () => {
  it('reads every review of a status once, oldest first, over pages', async () => {
    const pages = await allPages('approved', 40);
    const ids = pages.flatMap((p) => p.ids);
    const expected = byStatus('approved')
      .sort((a, b) => String(a['dateCreated']).localeCompare(String(b['dateCreated'])))
      .map((r) => r['reviewId']);
    expect(ids).toEqual(expected);
    expect(pages.length).toBe(Math.ceil(expected.length / 40));
    expect(pages.at(-1)?.lastEvaluated).toBeUndefined();
  });

  it('resumes from a page cursor where it left off', async () => {
    const pages = await allPages('approved', 40);
    const cursor = pages[1]?.lastEvaluated;
    expect(cursor).toBeDefined();
    const resumed = await allPages('approved', 40, cursor);
    expect(resumed.flatMap((p) => p.ids)).toEqual(pages.slice(2).flatMap((p) => p.ids));
  });

  it('reads a survey’s responses; an unknown survey is a 404 error value, a bad limit a 400', async () => {
    const ids: string[] = [];
    for await (const page of client.surveyResponsePages('survey-1', { orderBy: 'date asc' })) {
      if (!page.ok) throw new Error(page.error.message);
      ids.push(...page.value.surveyResponses.map((r) => r.surveyResponseId));
    }
    expect(ids).toEqual(['r-2', 'r-1']);
    const missing = await client.surveyResponsePages('nope').next();
    expect(missing.value).toMatchObject({ ok: false, error: { code: 'not_found', status: 404 } });
    const bad = await client.reviewPages({ limit: 101 }).next();
    expect(bad.value).toMatchObject({ ok: false, error: { status: 400 } });
  });
});

describe('snapshot envelopes', () => {
  const review = reviews[0] ?? {};

  it('are sequence 0 updates with a webhook-shaped body and an id that depends only on the content', () => {
    const a = snapshotEnvelope('review', review, 'default', 1_000_000);
    const b = snapshotEnvelope('review', structuredClone(review), 'default', 2_000_000);
    expect(a?.sequenceNumber).toBe(0n);
    expect(a?.topic).toBe('update');
    expect(a?.entityId).toBe(review['reviewId']);
    expect(a?.messageId).toBe(b?.messageId);
    expect(a?.messageId).toMatch(/^backfill:review:unit-review-0:[0-9a-f]{16}$/);
    const changed = snapshotEnvelope('review', { ...review, title: 'edited' }, 'default', 1_000_000);
    expect(changed?.messageId).not.toBe(a?.messageId);
    const body = JSON.parse(a?.rawBody.toString('utf8') ?? '{}');
    expect(body).toMatchObject({
      resourceType: 'review',
      topic: 'update',
      sequenceNumber: '0',
      resource: review,
    });
    // The envelope encodes as the ingest's do.
    expect(() => envelopeCodec.encode(a as WebhookEnvelope)).not.toThrow();
  });

  it('is none for an object without its id', () => {
    expect(snapshotEnvelope('review', { title: 'no id' }, 'default', 0)).toBeUndefined();
  });
});

describe('the checkpointed backfill loop', () => {
  it('publishes each review once; after a crash mid-run it resumes from the last acknowledged page', async () => {
    const checkpointPath = join(dir, 'reviews.json');
    const statuses: ReviewStatus[] = ['approved', 'pending', 'rejected'];
    const published: WebhookEnvelope[] = [];
    let pages = 0;
    const crash = new Error('killed');
    const first = runBackfill({
      kind: 'reviews',
      resourceType: 'review',
      source: 'default',
      passes: reviewPasses(client, statuses, 30),
      checkpointPath,
      publish: async (envelopes) => {
        pages += 1;
        published.push(...envelopes);
        // Acknowledged but never checkpointed: the resume publishes this page again.
        if (pages === 4) throw crash;
      },
    });
    await expect(first).rejects.toBe(crash);
    const saved = JSON.parse(await readFile(checkpointPath, 'utf8')) as BackfillCheckpoint;
    expect(saved.passes[0]).toMatchObject({ pass: 'status:approved', done: false, published: 90 });

    const second = await runBackfill({
      kind: 'reviews',
      resourceType: 'review',
      source: 'default',
      passes: reviewPasses(client, statuses, 30),
      checkpointPath,
      publish: async (envelopes) => {
        published.push(...envelopes);
      },
    });
    expect(second.complete).toBe(true);
    expect(second.resumed).toBe(true);
    expect(second.published).toBe(reviews.length);
    const distinct = new Set(published.map((e) => e.entityId));
    expect(distinct.size).toBe(reviews.length);
    // Only the crashed page was published twice.
    expect(published.length).toBe(reviews.length + 30);
    await expect(readFile(checkpointPath)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses a checkpoint of another backfill', async () => {
    const checkpointPath = join(dir, 'other.json');
    const passes = reviewPasses(client, ['approved'], 30);
    await runBackfill({
      kind: 'reviews',
      resourceType: 'review',
      source: 'default',
      passes,
      checkpointPath,
      publish: async () => {
        throw new Error('stop');
      },
    }).catch(() => {});
    // Nothing was acknowledged, so no checkpoint: write one by a run that stops after one page.
    let calls = 0;
    await runBackfill({
      kind: 'reviews',
      resourceType: 'review',
      source: 'default',
      passes,
      checkpointPath,
      publish: async () => {
        calls += 1;
        if (calls === 2) throw new Error('stop');
      },
    }).catch(() => {});
    await expect(
      runBackfill({
        kind: 'reviews',
        resourceType: 'review',
        source: 'shop-b',
        passes,
        checkpointPath,
        publish: async () => {},
      }),
    ).rejects.toThrow(/belongs to another backfill/);
  });
});

describe('reconcile', () => {
  it('publishes only the (day, status) groups whose counts differ and reports per day', async () => {
    const counts = new Map<string, number>();
    for (const review of reviews) {
      const key = groupKey(String(review['dateCreated']).slice(0, 10), String(review['status']));
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    // Two days short in the warehouse, one day with more than Okendo.
    counts.set(groupKey('2026-10-03', 'approved'), 3);
    counts.delete(groupKey('2026-10-07', 'pending'));
    const pendingOn7 = reviews.filter(
      (r) => r['status'] === 'pending' && String(r['dateCreated']).startsWith('2026-10-07'),
    ).length;
    counts.set(groupKey('2026-10-20', 'approved'), 2);
    const published: WebhookEnvelope[] = [];
    const result = await reconcileReviews({
      statuses: ['approved', 'pending', 'rejected'],
      pages: (status) => client.reviewPages({ status, limit: 17, orderBy: 'date asc' }),
      warehouseCounts: counts,
      source: 'default',
      publish: async (envelopes) => {
        published.push(...envelopes);
      },
    });
    const approvedOn3 = reviews.filter(
      (r) => r['status'] === 'approved' && String(r['dateCreated']).startsWith('2026-10-03'),
    ).length;
    expect(new Set(published.map((e) => e.entityId)).size).toBe(approvedOn3 + pendingOn7);
    const days = Object.fromEntries(result.days.map((d) => [d.day, d]));
    expect(days['2026-10-03']?.backfilled).toBe(approvedOn3);
    expect(days['2026-10-07']?.backfilled).toBe(pendingOn7);
    expect(days['2026-10-20']).toMatchObject({ okendo: 0, warehouse: 2, backfilled: 0 });
    expect(days['2026-10-01']).toMatchObject({ backfilled: 0 });
    expect(result.differing).toBe(pendingOn7 > 0 ? 3 : 2);
    expect(result.moreInWarehouse).toBe(1);
  });

  it('keeps to --since/--until and publishes nothing in a dry run', async () => {
    const result = await reconcileReviews({
      statuses: ['approved'],
      since: '2026-10-02',
      until: '2026-10-04',
      pages: (status) => client.reviewPages({ status, limit: 50, orderBy: 'date asc' }),
      warehouseCounts: new Map(),
      source: 'default',
    });
    expect(result.days.map((d) => d.day)).toEqual(['2026-10-02', '2026-10-03']);
    expect(result.published).toBe(0);
    expect(result.differing).toBe(2);
  });
});

// Each case starts the CLI under tsx: seconds on a loaded 2-core machine.
describe('the command line', { timeout: 30_000 }, () => {
  const env = {
    OKENDO_USER_ID: userId,
    OKENDO_API_KEY: apiKey,
    CLICKHOUSE_URL: undefined,
    SINK_URL: 'http://127.0.0.1:1',
  };

  it.each([
    [['backfill', 'reviews', '--status', 'approved,spam'], /--status.*approved, pending, rejected/],
    [['backfill', 'reviews', '--page-size', '101'], /--page-size.*1 to 100/],
    [['backfill', 'reviews', '--rate', 'fast'], /--rate.*a whole number a second/],
    [['reconcile', 'reviews', '--since', '2026-13-01'], /--since.*YYYY-MM-DD/],
  ])('%j is a usage error (exit 2) before anything is read', async (args, message) => {
    const run = await runOperatorCli(args, env);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe('');
  });

  it('survey-responses needs a survey; --since after --until is refused', async () => {
    const none = await runOperatorCli(['backfill', 'survey-responses'], env);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^okendo-pipeline: name at least one survey: --survey <id>$/m);
    const backwards = await runOperatorCli(
      ['reconcile', 'reviews', '--since', '2026-11-02', '--until', '2026-11-01'],
      env,
    );
    expect(backwards.code).toBe(2);
    expect(backwards.stderr).toMatch(/--since must be before --until/);
  });

  it('backfill without Okendo credentials for the source names the keys and exits 2', async () => {
    const run = await runOperatorCli(['backfill', 'reviews', '--source', 'shop-b'], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/OKENDO_USER_ID_SHOP_B/);
  });
});
