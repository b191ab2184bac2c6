/**
 * The console in a real browser (Debian's headless Chromium driven by playwright-core) against the real
 * stack: the Okendo fake, the ingest reading a temp secrets file, Kafka, the sink and the ClickHouse server.
 * An operator creates subscriptions through the form (the fake has them, the secret is in the file), searches
 * and filters the list, sends a test delivery and reads its per-hop latency, sees the health page count the
 * fake's deliveries, disables a subscription (its badge turns grey), deletes it through the confirmation step,
 * and gets the form's message for a bad endpoint URL. Screenshots of both pages land in output/console/.
 * Chromium missing under REQUIRE_INFRA=1 (CI) fails the file; elsewhere it is skipped with the reason.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseWebhookSourcesFile, type RunningService } from '@okendo/common';
import { loadConsoleConfig, startConsole } from '@okendo/console';
import { waitUntil } from '@okendo/infra/local';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, launchTestBrowser, type TestBrowser } from '../harness/browser.js';
import { runInfra, titleWithSkipReason } from '../harness/infra.js';
import { startTestIngest, type TestIngest } from '../harness/ingest.js';
import { uniqueName } from '../harness/names.js';
import { startTestPipeline, type TestPipeline } from '../harness/pipeline.js';
import { FakeOkendo } from '../okendo-fake/fake-okendo.js';
import { onlyOf, planDeliveries } from '../traffic/planned-deliveries.js';

const infra = runInfra();
const chromium = await chromiumMissing();
const required = process.env['REQUIRE_INFRA'] === '1';
const SOURCE = 'shop-a';
const USER_ID = '6c1f0e2a-93b4-4d1e-8f0a-5b7c2d9e1a43';
const API_KEY = 'browser-okendo-key-7Qm2xW9c';
const ACTOR = 'browser-test';
// page.ts's badge colours: what an operator sees, read back from the rendered page.
const GREEN = 'rgb(26, 127, 55)';
const GREY = 'rgb(110, 119, 129)';
/** Waits, not assertions on time: generous for a loaded 2-core machine. */
const WAIT_MS = 90_000;

if (chromium !== undefined && required) {
  describe('the console in Chromium', () => {
    it('needs Chromium (REQUIRE_INFRA=1)', () => {
      throw new Error(`cannot run the browser test: ${chromium}`);
    });
  });
}

const missing = chromium ?? infra.unavailable.kafka ?? infra.unavailable.clickhouse;

/** Clicks a form's submit button and waits for the page it leads to; returns that page's HTTP status. */
async function submit(page: Page, button: Locator): Promise<number> {
  const [response] = await Promise.all([page.waitForNavigation({ timeout: WAIT_MS }), button.click()]);
  return response?.status() ?? 0;
}

/** Opens a row's Actions menu (a <details>) so its buttons can be clicked as a person would. */
async function openActions(row: Locator): Promise<Locator> {
  const actions = row.getByTestId('row-actions');
  await actions.locator('summary').click();
  return actions;
}

// What the page function below uses of the browser's globals: the test project compiles without the DOM lib.
declare const getComputedStyle: (element: unknown) => { backgroundColor: string };

const badgeColour = (row: Locator): Promise<string> =>
  row.getByTestId('status-badge').evaluate((badge) => getComputedStyle(badge).backgroundColor);

describe.skipIf(missing !== undefined)(
  titleWithSkipReason('the console in Chromium: webhooks and health pages on the real stack', missing),
  () => {
    let dir: string;
    let secretsFile: string;
    let fake: FakeOkendo;
    let ingest: TestIngest;
    let pipeline: TestPipeline;
    let consoleApp: RunningService;
    let browser: TestBrowser;
    let page: Page;
    const created: { main?: string; other?: string } = {};

    beforeAll(async () => {
      const endpoint = infra.clickhouse;
      const brokers = infra.kafka?.brokers;
      if (endpoint === undefined || brokers === undefined) throw new Error('unreachable: suite is skipped');
      dir = await mkdtemp(join(tmpdir(), 'console-browser-'));
      secretsFile = join(dir, 'webhook-sources.json');
      fake = await FakeOkendo.start({
        userId: USER_ID,
        apiKey: API_KEY,
        // A refused delivery is retried within seconds, so it shows in attempts() before the test ends.
        retryScheduleMs: [0, 200, 500, 1_000, 2_000],
      });
      // The ingest reads the secrets file the console's create writes (it need not exist yet).
      ingest = await startTestIngest(brokers, {
        OKENDO_WEBHOOK_SOURCES_FILE: secretsFile,
        INGEST_SECRETS_RELOAD_INTERVAL_MS: '200',
      });
      // The pipeline's sink consumes this ingest's topics (its own ingest stays idle).
      pipeline = await startTestPipeline(
        brokers,
        { kind: 'server', endpoint },
        { KAFKA_TOPIC_PREFIX: ingest.prefix },
      );
      consoleApp = await startConsole(
        loadConsoleConfig({
          CONSOLE_HOST: '127.0.0.1',
          CONSOLE_PORT: '0',
          CONSOLE_SOURCES: SOURCE,
          CONSOLE_HEALTH_REFRESH_SECONDS: '2',
          CONSOLE_METRICS_URLS: `${ingest.url}/metrics,${pipeline.sink.url}/metrics`,
          LOG_LEVEL: 'warn',
          OKENDO_API_URL: fake.url,
          OKENDO_USER_ID_SHOP_A: USER_ID,
          OKENDO_API_KEY_SHOP_A: API_KEY,
          OKENDO_WEBHOOK_SOURCES_FILE: secretsFile,
          OKENDO_PIPELINE_ACTOR: ACTOR,
          INGEST_URL: ingest.url,
          SINK_URL: pipeline.sink.url,
          KAFKA_BROKERS: brokers,
          KAFKA_TOPIC_PREFIX: ingest.prefix,
          SINK_GROUP_ID: pipeline.groupId,
          CLICKHOUSE_URL: endpoint.url,
          CLICKHOUSE_USER: endpoint.username,
          CLICKHOUSE_PASSWORD: endpoint.password,
          CLICKHOUSE_DATABASE: pipeline.database,
        }),
      );
      browser = await launchTestBrowser();
      page = await browser.newPage();
      page.setDefaultTimeout(WAIT_MS);
    }, WAIT_MS * 2);

    afterAll(async () => {
      await browser?.close();
      await consoleApp?.stop();
      await fake?.stop();
      await ingest?.stop();
      await pipeline?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    const consoleUrl = (path = '/') => new URL(path, consoleApp.url).toString();
    const webhookUrl = () => `${ingest.url}/webhooks/okendo/${SOURCE}`;
    const rowsOf = (id: string) =>
      page.locator(`[data-testid="subscription-row"][data-subscription-id="${id}"]`);

    /** Fills and submits the create form; returns the new subscription's id from the page's message. */
    async function createThroughForm(options: {
      url: string;
      resourceTypes: string[];
      topics: string[];
      enabled: boolean;
    }): Promise<string> {
      const form = page.getByTestId('create-form');
      await form.getByLabel('Endpoint URL').fill(options.url);
      for (const type of options.resourceTypes) await form.getByTestId(`resourceType-${type}`).check();
      for (const topic of options.topics) await form.getByTestId(`topic-${topic}`).check();
      await form.getByTestId('create-enabled').setChecked(options.enabled);
      expect(await submit(page, form.getByRole('button', { name: 'Create' }))).toBe(200);
      const message = (await page.getByTestId('flash-ok').textContent()) ?? '';
      const id = /Created subscription (\S+) /.exec(message)?.[1];
      if (id === undefined) throw new Error(`no "Created subscription" message: ${message}`);
      return id;
    }

    it('creates subscriptions through the form: the fake has them, the secret is in the file, the rows are there', async () => {
      expect((await page.goto(consoleUrl()))?.status()).toBe(200);
      await page.getByTestId('no-subscriptions').waitFor();

      created.main = await createThroughForm({
        url: webhookUrl(),
        resourceTypes: ['review'],
        topics: ['create', 'update'],
        enabled: true,
      });
      // A second, disabled one elsewhere on loopback (nothing listens; disabled, it is sent nothing).
      created.other = await createThroughForm({
        url: 'http://127.0.0.1:9/okendo-elsewhere',
        resourceTypes: ['loyalty_customer'],
        topics: ['create'],
        enabled: false,
      });

      const atOkendo = fake.subscriptionsSnapshot();
      expect(atOkendo.map((s) => [s.webhookSubscriptionId, s.endpointUrl, s.isEnabled])).toEqual(
        expect.arrayContaining([
          [created.main, webhookUrl(), true],
          [created.other, 'http://127.0.0.1:9/okendo-elsewhere', false],
        ]),
      );
      expect(atOkendo.find((s) => s.webhookSubscriptionId === created.main)?.subscriptions).toEqual([
        { resourceType: 'review', topic: 'create' },
        { resourceType: 'review', topic: 'update' },
      ]);
      const file = parseWebhookSourcesFile(await readFile(secretsFile, 'utf8'));
      if (!file.ok) throw new Error(file.problems.join('; '));
      const [secret] = fake.currentSecrets(String(created.main));
      expect(file.sources[SOURCE]?.map((entry) => entry.secret)).toContain(secret);
      // The page never shows a secret.
      expect(await page.content()).not.toContain(String(secret));

      expect(await rowsOf(String(created.main)).count()).toBe(2);
      expect(await rowsOf(String(created.other)).count()).toBe(1);
      expect(await badgeColour(rowsOf(String(created.main)).first())).toBe(GREEN);
      expect(await badgeColour(rowsOf(String(created.other)))).toBe(GREY);
    });

    it('the search box and the status filter narrow the list, in the URL (?q=, ?status=)', async () => {
      const search = page.getByTestId('search-form');
      await search.getByRole('searchbox').fill('loyalty');
      expect(await submit(page, search.getByRole('button', { name: 'Search' }))).toBe(200);
      expect(new URL(page.url()).searchParams.get('q')).toBe('loyalty');
      const rows = page.getByTestId('subscription-row');
      expect(
        await rows.evaluateAll((all) => all.map((row) => row.getAttribute('data-resource-type'))),
      ).toEqual(['loyalty_customer']);
      expect(await page.getByTestId('row-count').textContent()).toBe('1 of 3 subscription topics');

      // Matched on the URL too.
      await search.getByRole('searchbox').fill('/webhooks/okendo/shop-a');
      await submit(page, search.getByRole('button', { name: 'Search' }));
      expect(await rows.evaluateAll((all) => all.map((row) => row.getAttribute('data-topic')))).toEqual([
        'create',
        'update',
      ]);

      await search.getByRole('searchbox').fill('');
      await search.getByTestId('filter-status').selectOption('inactive');
      await submit(page, search.getByRole('button', { name: 'Search' }));
      expect(new URL(page.url()).searchParams.get('status')).toBe('inactive');
      expect(
        await rows.evaluateAll((all) => all.map((row) => row.getAttribute('data-subscription-id'))),
      ).toEqual([created.other]);

      await search.getByTestId('filter-status').selectOption('all');
      await submit(page, search.getByRole('button', { name: 'Search' }));
      expect(await rows.count()).toBe(3);
    });

    it('Send test on a review row shows the per-hop latency of a delivery that reached the warehouse', async () => {
      const actions = await openActions(rowsOf(String(created.main)).first());
      expect(await submit(page, actions.getByRole('button', { name: 'Send test' }))).toBe(200);
      const result = page.getByTestId('send-test-result');
      const hops = await result.getByTestId('send-test-hop').allTextContents();
      expect(hops).toHaveLength(3);
      expect(hops[0]).toMatch(/^ingest answer \(200\)\d+\.\d+published from /);
      const latencies = (await result.getByTestId('hop-ms').allTextContents()).map(Number);
      expect(latencies.every((ms) => Number.isFinite(ms) && ms > 0)).toBe(true);
      const messageId = await result.getByTestId('send-test-message-id').textContent();
      const rows = await pipeline.sql<{ resource_type: string }>(
        `SELECT resource_type FROM ${pipeline.database}.events WHERE message_id = '${messageId}'`,
      );
      expect(rows).toEqual([{ resource_type: 'review' }]);
      console.info(`[browser] send-test hops (ms) from the page: ${latencies.join(', ')}`);
      await browser.screenshot(page, 'webhooks');
    });

    it("the health page counts the fake's deliveries: non-zero deliveries per minute after traffic", async () => {
      // The first visit is the first scrape: rates need a second one.
      expect((await page.goto(consoleUrl('/health')))?.status()).toBe(200);
      const plan = planDeliveries({
        prefix: uniqueName('browser'),
        entities: 40,
        maxVersionsPerEntity: 2,
        deleteRatio: 0,
        mix: onlyOf('review'),
        seed: 13,
      });
      fake.emit(plan);
      await fake.idle(WAIT_MS);
      const refused = fake.attempts().filter((attempt) => attempt.status !== 200);
      expect(refused).toEqual([]);
      expect(fake.attempts().length).toBeGreaterThanOrEqual(plan.length);
      await pipeline.waitFor<{ n: string }>(
        `SELECT uniqExact(message_id) AS n FROM ${pipeline.database}.events
         WHERE message_id IN (${plan.map((delivery) => `'${delivery.messageId}'`).join(',')})`,
        (rows) => Number(rows[0]?.n) === plan.length,
        WAIT_MS,
      );

      // The page reloads itself (CONSOLE_HEALTH_REFRESH_SECONDS=2): wait for reloads until it shows the traffic.
      const perMinute = page.getByTestId('deliveries-per-minute');
      let shown = '';
      await waitUntil(
        'the health page to show deliveries per minute',
        async () => {
          await page.waitForNavigation({ timeout: WAIT_MS });
          shown = (await perMinute.textContent()) ?? '';
          return Number(shown.replaceAll(',', '')) > 0;
        },
        { timeoutMs: WAIT_MS, intervalMs: 0 },
      );
      console.info(`[browser] health page: ${shown} deliveries per minute`);
      const reviewRow = page.getByTestId('resource-row-review');
      expect(await reviewRow.getByTestId('last-event-review').textContent()).toMatch(/\d+ s ago$/);
      // The first screen (overall and per resource type); the per-partition lag table below runs long.
      await browser.screenshot(page, 'health', { fullPage: false });
    });

    it('Disable turns the badge grey (the computed colour) and disables it at Okendo', async () => {
      await page.goto(consoleUrl());
      const row = rowsOf(String(created.main)).first();
      expect(await badgeColour(row)).toBe(GREEN);
      const actions = await openActions(row);
      expect(await submit(page, actions.getByRole('button', { name: 'Disable' }))).toBe(200);
      expect(await page.getByTestId('flash-ok').textContent()).toContain(
        `Disabled subscription ${created.main}`,
      );
      for (const disabled of await rowsOf(String(created.main)).all()) {
        expect(await disabled.getByTestId('status-badge').textContent()).toBe('Inactive');
        expect(await badgeColour(disabled)).toBe(GREY);
      }
      expect(
        fake.subscriptionsSnapshot().find((s) => s.webhookSubscriptionId === created.main)?.isEnabled,
      ).toBe(false);
    });

    it('Delete asks for confirmation first, then removes the subscription at Okendo and from the list', async () => {
      const actions = await openActions(rowsOf(String(created.main)).first());
      await Promise.all([page.waitForNavigation(), actions.getByRole('link', { name: 'Delete' }).click()]);
      const form = page.getByTestId('delete-form');
      // Without ticking the box nothing is deleted.
      expect(await submit(page, form.getByRole('button', { name: 'Delete' }))).toBe(400);
      expect(await page.getByTestId('form-error').textContent()).toContain(
        'Tick "Yes, delete this subscription"',
      );
      expect(fake.subscriptionsSnapshot().some((s) => s.webhookSubscriptionId === created.main)).toBe(true);

      await form.getByLabel('Yes, delete this subscription').check();
      expect(await submit(page, form.getByRole('button', { name: 'Delete' }))).toBe(200);
      expect(await page.getByTestId('flash-ok').textContent()).toContain(
        `Deleted subscription ${created.main}`,
      );
      expect(await rowsOf(String(created.main)).count()).toBe(0);
      expect(fake.subscriptionsSnapshot().map((s) => s.webhookSubscriptionId)).toEqual([created.other]);
      const audit = await pipeline.sql<{ command: string; outcome: string }>(
        `SELECT command, outcome FROM ${pipeline.database}.operator_audit WHERE actor = 'console:${ACTOR}' ORDER BY at_ms`,
      );
      expect(audit.map((row) => row.command)).toEqual(
        expect.arrayContaining(['subscriptions create', 'send-test', 'subscriptions delete']),
      );
      expect(audit.every((row) => row.outcome === 'ok')).toBe(true);
    });

    it("a bad endpoint URL gets the form's message and creates nothing", async () => {
      await page.goto(consoleUrl());
      // The form is novalidate: the console's own message shows, not the browser's bubble.
      for (const bad of ['not a url', 'ftp://files.example.com/okendo']) {
        const form = page.getByTestId('create-form');
        await form.getByLabel('Endpoint URL').fill(bad);
        await form.getByTestId('resourceType-review').check();
        await form.getByTestId('topic-create').check();
        expect(await submit(page, form.getByRole('button', { name: 'Create' }))).toBe(400);
        expect(await page.getByTestId('form-error').textContent()).toContain(
          'Endpoint URL: expected an absolute http(s) URL',
        );
        // The form comes back with what was typed.
        const again = page.getByTestId('create-form');
        expect(await again.getByLabel('Endpoint URL').inputValue()).toBe(bad);
        expect(await again.getByTestId('resourceType-review').isChecked()).toBe(true);
      }
      expect(fake.subscriptionsSnapshot()).toHaveLength(1);
      expect(browser.pageErrors).toEqual([]);
    });
  },
);
