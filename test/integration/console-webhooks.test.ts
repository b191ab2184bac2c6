/**
 * The console's webhooks page over HTTP (a listening console, fetch with a cookie jar) against the real Okendo
 * fake and a real pipeline (ingest, Kafka, sink, the ClickHouse server): create through the form, list, search
 * and filter, disable, rotate, delete with its confirmation step, send a test delivery, each audited in
 * operator_audit with the console's actor and the secrets file written as the CLI writes it. Refusals: a POST
 * without the form's CSRF token, a request without the token on a non-loopback config, bad form input (400
 * with the message in the form), Okendo answering 503 or not answering (a banner, never a 500).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseWebhookSourcesFile } from '@okendo/common';
import { buildConsoleApp, loadConsoleConfig } from '@okendo/console';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInfra, titleWithSkipReason } from '../harness/infra.js';
import { uniqueName } from '../harness/names.js';
import type { TestPipeline } from '../harness/pipeline.js';
import { pipelineForSuite } from '../harness/pipeline-suite.js';
import { FakeOkendo } from '../okendo-fake/fake-okendo.js';

const infra = runInfra();
const USER_ID = randomUUID();
const API_KEY = randomBytes(16).toString('hex');
const AUTH_TOKEN = randomBytes(24).toString('hex');

/** A browser without JavaScript: cookies kept, forms posted with the page's CSRF token. */
class Browser {
  readonly #cookies = new Map<string, string>();
  page = '';

  constructor(
    readonly base: string,
    readonly headers: Record<string, string> = {},
  ) {}

  async get(path: string): Promise<{ status: number; body: string; location: string | null }> {
    return this.#send(path, { method: 'GET' });
  }

  /** Posts the fields, with the CSRF token of the last page unless `_csrf` is given. */
  async post(path: string, fields: Array<[string, string]>): Promise<{ status: number; body: string }> {
    const withToken = fields.some(([name]) => name === '_csrf')
      ? fields
      : [['_csrf', this.csrf()], ...fields];
    return this.#send(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(withToken as Array<[string, string]>).toString(),
    });
  }

  csrf(): string {
    return /name="_csrf" value="([^"]+)"/.exec(this.page)?.[1] ?? '';
  }

  async #send(path: string, init: RequestInit) {
    const cookie = [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const response = await fetch(`${this.base}${path}`, {
      ...init,
      redirect: 'manual',
      headers: {
        accept: 'text/html',
        ...this.headers,
        ...(init.headers as object),
        ...(cookie ? { cookie } : {}),
      },
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair?.indexOf('=') ?? -1;
      if (pair !== undefined && at > 0) this.#cookies.set(pair.slice(0, at), pair.slice(at + 1));
    }
    const body = await response.text();
    if (response.status !== 303) this.page = body;
    return { status: response.status, body, location: response.headers.get('location') };
  }
}

interface Row {
  id: string;
  source: string;
  resourceType: string;
  topic: string;
  url: string;
  status: string;
}

function rowsOf(html: string): Row[] {
  const rows: Row[] = [];
  const pattern =
    /<tr data-testid="subscription-row" data-subscription-id="([^"]+)" data-source="([^"]+)" data-resource-type="([^"]*)" data-topic="([^"]*)">[\s\S]*?data-testid="endpoint-url">([^<]*)<[\s\S]*?data-testid="status-badge" data-status="(active|inactive)">/g;
  for (const m of html.matchAll(pattern))
    rows.push({
      id: m[1] ?? '',
      source: m[2] ?? '',
      resourceType: m[3] ?? '',
      topic: m[4] ?? '',
      url: m[5] ?? '',
      status: m[6] ?? '',
    });
  return rows;
}

const flashOf = (html: string): string | undefined =>
  /data-testid="flash-(?:ok|error)">([^<]*)</
    .exec(html)?.[1]
    ?.replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'");
const formErrorOf = (html: string): string[] =>
  [...(/data-testid="form-error">([\s\S]*?)<\/div>/.exec(html)?.[1] ?? '').matchAll(/<p>([^<]*)<\/p>/g)].map(
    (m) => (m[1] ?? '').replaceAll('&quot;', '"'),
  );

/** Set by fetch itself, or about this connection only. */
const HOP_HEADERS = new Set(['host', 'content-length', 'connection', 'transfer-encoding', 'keep-alive']);

/** The fake behind a proxy that answers 503 while `down()` holds (Okendo in maintenance). */
async function startOkendoProxy(target: string, down: () => boolean) {
  const server = createHttpServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (down()) {
        response.writeHead(503, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: { description: 'maintenance' } }));
        return;
      }
      const headers = Object.fromEntries(
        Object.entries(request.headers).filter(
          (entry): entry is [string, string] => typeof entry[1] === 'string' && !HOP_HEADERS.has(entry[0]),
        ),
      );
      fetch(`${new URL(target).origin}${request.url ?? '/'}`, {
        method: request.method ?? 'GET',
        headers,
        ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
      }).then(
        async (answer) => {
          response.writeHead(answer.status, {
            'content-type': answer.headers.get('content-type') ?? 'text/plain',
          });
          response.end(Buffer.from(await answer.arrayBuffer()));
        },
        () => {
          response.writeHead(502);
          response.end();
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/enterprise`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function listen(app: FastifyInstance): Promise<string> {
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return address.replace('localhost', '127.0.0.1');
}

describe.skipIf(infra.kafka === undefined || infra.clickhouse === undefined)(
  titleWithSkipReason(
    'console webhooks page: Okendo fake + ingest -> Kafka -> sink -> ClickHouse server',
    infra.unavailable.kafka ?? infra.unavailable.clickhouse,
  ),
  () => {
    let pipeline: TestPipeline;
    pipelineForSuite(
      infra,
      () => (infra.clickhouse ? { kind: 'server', endpoint: infra.clickhouse } : undefined),
      (started) => {
        pipeline = started;
      },
    );
    let fake: FakeOkendo;
    let okendo: { url: string; close: () => Promise<void> };
    let okendoDown = false;
    let dir: string;
    let secretsFile: string;
    const actor = uniqueName('console_it');
    const apps: FastifyInstance[] = [];

    const consoleEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => {
      const clickhouse = infra.clickhouse;
      if (clickhouse === undefined || infra.kafka === undefined)
        throw new Error('unreachable: suite is skipped');
      return {
        OKENDO_API_URL: okendo.url,
        OKENDO_USER_ID: USER_ID,
        OKENDO_API_KEY: API_KEY,
        OKENDO_WEBHOOK_SOURCES_FILE: secretsFile,
        OKENDO_PIPELINE_ACTOR: actor,
        INGEST_URL: pipeline.ingest.url,
        SINK_URL: pipeline.sink.url,
        CLICKHOUSE_URL: clickhouse.url,
        CLICKHOUSE_USER: clickhouse.username,
        CLICKHOUSE_PASSWORD: clickhouse.password,
        CLICKHOUSE_DATABASE: pipeline.database,
        KAFKA_BROKERS: infra.kafka.brokers,
        KAFKA_TOPIC_PREFIX: pipeline.ingest.prefix,
        SINK_GROUP_ID: pipeline.groupId,
        OKENDO_WEBHOOK_SECRETS: pipeline.ingest.secret,
        CONSOLE_OKENDO_TIMEOUT_MS: '2000',
        ...extra,
      };
    };
    const startConsole = async (env: NodeJS.ProcessEnv): Promise<string> => {
      const { app } = buildConsoleApp({ config: loadConsoleConfig(env), logger: false });
      apps.push(app);
      return listen(app);
    };
    const audits = () =>
      pipeline.sql<{ actor: string; command: string; target: string; outcome: string }>(
        `SELECT actor, command, target, outcome FROM ${pipeline.database}.operator_audit WHERE actor = 'console:${actor}' ORDER BY at_ms`,
      );
    const secretLabels = async (): Promise<string[]> => {
      const parsed = parseWebhookSourcesFile(await readFile(secretsFile, 'utf8'));
      if (!parsed.ok) throw new Error(parsed.problems.join('; '));
      return (parsed.sources['default'] ?? []).map((entry) => entry.label ?? '(no label)');
    };

    let browser: Browser;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'console-webhooks-'));
      secretsFile = join(dir, 'webhook-sources.json');
      fake = await FakeOkendo.start({
        userId: USER_ID,
        apiKey: API_KEY,
        rateLimit: false,
      });
      okendo = await startOkendoProxy(fake.url, () => okendoDown);
      browser = new Browser(await startConsole(consoleEnv()));
    });
    afterAll(async () => {
      for (const app of apps) await app.close();
      await okendo?.close();
      await fake?.stop();
      await rm(dir, { recursive: true, force: true });
    });

    let created: string;
    /** The CLI's label of the subscription's n-th secret. */
    const label = (n: number) => `${created.slice(0, 8)}#${n}`;

    it('creates a subscription through the form: at Okendo, in the secrets file, listed Active, audited', async () => {
      expect((await browser.get('/')).status).toBe(200);
      expect(rowsOf(browser.page)).toEqual([]);
      const answer = await browser.post('/webhooks/create', [
        ['source', 'default'],
        ['url', `${pipeline.ingest.url}/webhooks/okendo`],
        ['resourceType', 'review'],
        ['resourceType', 'loyalty_customer'],
        ['topic', 'create'],
        ['topic', 'update'],
        ['enabled', 'on'],
      ]);
      expect(answer.status).toBe(200);
      const [subscription, ...others] = fake.subscriptionsSnapshot();
      expect(others).toEqual([]);
      created = subscription?.webhookSubscriptionId ?? '';
      expect(subscription).toMatchObject({
        endpointUrl: `${pipeline.ingest.url}/webhooks/okendo`,
        isEnabled: true,
      });
      expect(flashOf(answer.body)).toBe(
        `Created subscription ${created} (Active); its secret ${label(1)} is in the secrets file.`,
      );
      expect(await secretLabels()).toEqual([label(1)]);
      // The secret itself is never rendered.
      expect(answer.body).not.toContain(fake.currentSecrets(created)[0]);
      expect(rowsOf(answer.body).map((r) => `${r.resourceType}/${r.topic}:${r.status}`)).toEqual([
        'review/create:active',
        'review/update:active',
        'loyalty_customer/create:active',
        'loyalty_customer/update:active',
      ]);
      expect(await audits()).toEqual([
        {
          actor: `console:${actor}`,
          command: 'subscriptions create',
          target: `default/${created}`,
          outcome: 'ok',
        },
      ]);
    });

    it('searches (resource, event, URL) and filters by status, server-side', async () => {
      await browser.get('/?q=loyalty');
      expect(rowsOf(browser.page).map((r) => r.resourceType)).toEqual([
        'loyalty_customer',
        'loyalty_customer',
      ]);
      await browser.get('/?q=update');
      expect(rowsOf(browser.page).map((r) => r.topic)).toEqual(['update', 'update']);
      await browser.get(`/?q=${encodeURIComponent(pipeline.ingest.url)}`);
      expect(rowsOf(browser.page)).toHaveLength(4);
      await browser.get('/?q=survey');
      expect(rowsOf(browser.page)).toEqual([]);
      await browser.get('/?status=inactive');
      expect(rowsOf(browser.page)).toEqual([]);
      expect((await browser.get('/?source=nowhere')).status).toBe(400);
    });

    it('refuses a POST without the CSRF token of its session: 403, nothing done', async () => {
      const other = new Browser(browser.base);
      await other.get('/');
      for (const token of ['', 'forged', other.csrf()]) {
        const refused = await browser.post(`/webhooks/default/${created}/disable`, [['_csrf', token]]);
        expect(refused.status).toBe(403);
      }
      expect(fake.subscriptionsSnapshot()[0]?.isEnabled).toBe(true);
    });

    it('disables and enables: grey Inactive in the list, at Okendo, and in /metrics', async () => {
      await browser.get('/');
      const disabled = await browser.post(`/webhooks/default/${created}/disable`, []);
      expect(disabled.status).toBe(200);
      expect(flashOf(disabled.body)).toBe(`Disabled subscription ${created}.`);
      expect(new Set(rowsOf(disabled.body).map((r) => r.status))).toEqual(new Set(['inactive']));
      expect(fake.subscriptionsSnapshot()[0]?.isEnabled).toBe(false);
      const metrics = await fetch(`${browser.base}/metrics`).then((r) => r.text());
      expect(metrics).toContain(
        `console_okendo_subscription_enabled{source="default",subscription_id="${created}"} 0`,
      );
      await browser.get('/?status=active');
      expect(rowsOf(browser.page)).toEqual([]);
      const enabled = await browser.post(`/webhooks/default/${created}/enable`, []);
      expect(new Set(rowsOf(enabled.body).map((r) => r.status))).toEqual(new Set(['active']));
      expect(fake.subscriptionsSnapshot()[0]?.isEnabled).toBe(true);
    });

    it('edits the URL and topics through the edit form', async () => {
      await browser.get(`/webhooks/default/${created}/edit`);
      expect(browser.page).toContain('data-testid="edit-form"');
      const saved = await browser.post(`/webhooks/default/${created}/edit`, [
        ['url', `${pipeline.ingest.url}/webhooks/okendo?edited=1`],
        ['resourceType', 'review'],
        ['topic', 'create'],
      ]);
      expect(saved.status).toBe(200);
      expect(fake.subscriptionsSnapshot()[0]).toMatchObject({
        endpointUrl: `${pipeline.ingest.url}/webhooks/okendo?edited=1`,
        subscriptions: [{ resourceType: 'review', topic: 'create' }],
      });
      expect(rowsOf(saved.body).map((r) => `${r.resourceType}/${r.topic}`)).toEqual(['review/create']);
    });

    it('rotates the secret: Okendo signs with both, the file has the new label', async () => {
      await browser.get('/');
      const rotated = await browser.post(`/webhooks/default/${created}/rotate-secret`, [['overlap', '1h']]);
      expect(rotated.status).toBe(200);
      expect(flashOf(rotated.body)).toBe(
        `Rotated the secret of ${created}: new secret ${label(2)}; the earlier ones stay accepted for 1h.`,
      );
      expect(fake.currentSecrets(created)).toHaveLength(2);
      expect(await secretLabels()).toEqual([label(1), label(2)]);
      const bad = await browser.post(`/webhooks/default/${created}/rotate-secret`, [['overlap', 'forever']]);
      expect(bad.status).toBe(400);
      expect(flashOf(bad.body)).toMatch(/^Overlap: expected a whole number and a unit/);
    });

    it('sends a test delivery through the pipeline and shows each hop with its latency', async () => {
      await browser.get('/');
      const sent = await browser.post(`/webhooks/default/${created}/send-test`, [['resourceType', 'review']]);
      expect(sent.status).toBe(200);
      expect(sent.body).toContain('data-testid="send-test-result"');
      const hops = [
        ...sent.body.matchAll(
          /data-testid="send-test-hop"><td>([^<]*)<\/td><td class="num" data-testid="hop-ms">([\d.]+)</g,
        ),
      ];
      expect(hops.map((m) => m[1])).toEqual([
        'ingest answer (200)',
        '2xx → events row',
        '2xx → _current row',
      ]);
      for (const hop of hops) expect(Number(hop[2])).toBeGreaterThanOrEqual(0);
      console.log(`console send-test hops (ms): ${hops.map((m) => `${m[1]} ${m[2]}`).join('; ')}`);
      const messageId = /data-testid="send-test-message-id">([^<]+)</.exec(sent.body)?.[1] ?? '';
      const rows = await pipeline.sql(
        `SELECT message_id FROM ${pipeline.database}.events WHERE message_id = '${messageId}'`,
      );
      expect(rows).toHaveLength(1);
    });

    it('shows bad input in the form with a 400 and creates nothing', async () => {
      await browser.get('/');
      const bad = await browser.post('/webhooks/create', [
        ['source', 'elsewhere'],
        ['url', 'not a url'],
      ]);
      expect(bad.status).toBe(400);
      expect(formErrorOf(bad.body)).toEqual([
        'Source: unknown "elsewhere"; this console manages default',
        'Endpoint URL: expected an absolute http(s) URL, e.g. https://ingest.example.com/webhooks/okendo; got "not a url"',
        'Resource types: choose at least one',
        'Topics: choose at least one',
      ]);
      // What was typed is shown again.
      expect(bad.body).toContain('value="not a url"');
      expect(fake.subscriptionsSnapshot()).toHaveLength(1);
    });

    it('deletes only after the confirmation step: at Okendo and in the secrets file, audited', async () => {
      const confirm = await browser.get(`/webhooks/default/${created}/delete`);
      expect(confirm.status).toBe(200);
      expect(confirm.body).toContain('data-testid="delete-confirm"');
      const unconfirmed = await browser.post(`/webhooks/default/${created}/delete`, []);
      expect(unconfirmed.status).toBe(400);
      expect(formErrorOf(unconfirmed.body)).toEqual(['Tick "Yes, delete this subscription" to delete it.']);
      expect(fake.subscriptionsSnapshot()).toHaveLength(1);
      const deleted = await browser.post(`/webhooks/default/${created}/delete`, [['confirm', 'yes']]);
      expect(deleted.status).toBe(200);
      expect(flashOf(deleted.body)).toBe(
        `Deleted subscription ${created} and removed its secrets from the secrets file.`,
      );
      expect(fake.subscriptionsSnapshot()).toEqual([]);
      expect(await secretLabels()).toEqual([]);
      expect(rowsOf(deleted.body)).toEqual([]);
      // Gone from /metrics too: a deleted subscription is not a disabled one.
      const metrics = await fetch(`${browser.base}/metrics`).then((r) => r.text());
      expect(metrics).not.toContain(created);
      expect((await audits()).map((a) => `${a.command} ${a.outcome}`)).toEqual([
        'subscriptions create ok',
        'subscriptions disable ok',
        'subscriptions enable ok',
        'subscriptions update ok',
        'subscriptions rotate-secret ok',
        'send-test ok',
        'subscriptions delete ok',
      ]);
    });

    it('shows a banner when Okendo answers 503, and a 502 with the message when an action meets it', async () => {
      fake.seedSubscriptions(1, 'https://example.test/hooks');
      okendoDown = true;
      try {
        const page = await browser.get('/');
        expect(page.status).toBe(200);
        expect(page.body).toContain('data-testid="okendo-banner"');
        expect(page.body).toMatch(
          /Okendo did not answer for source &quot;default&quot; \(Okendo answered 503/,
        );
        const id = fake.subscriptionsSnapshot()[0]?.webhookSubscriptionId ?? '';
        const action = await browser.post(`/webhooks/default/${id}/disable`, []);
        expect(action.status).toBe(502);
        expect(flashOf(action.body)).toMatch(/^A service did not answer: disable .*Okendo answered 503/);
        const metrics = await fetch(`${browser.base}/metrics`).then((r) => r.text());
        expect(metrics).toMatch(
          /console_okendo_api_errors_total\{source="default",code="server_error"\} [1-9]/,
        );
      } finally {
        okendoDown = false;
      }
    });

    it('shows the banner when Okendo does not answer at all (timeout), never a 500', async () => {
      const sockets: Socket[] = [];
      const silent: Server = createServer((socket) => sockets.push(socket));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const port = (silent.address() as { port: number }).port;
      try {
        const base = await startConsole(
          consoleEnv({
            OKENDO_API_URL: `http://127.0.0.1:${port}/enterprise`,
            CONSOLE_OKENDO_TIMEOUT_MS: '300',
          }),
        );
        const page = await new Browser(base).get('/');
        expect(page.status).toBe(200);
        expect(page.body).toMatch(
          /Okendo did not answer for source &quot;default&quot; \(cannot reach Okendo .*no answer within 300 ms/,
        );
      } finally {
        for (const socket of sockets) socket.destroy();
        await new Promise((resolve) => silent.close(resolve));
      }
    });

    it('beyond loopback, refuses requests without the token; the login form sets the cookie', async () => {
      const config = loadConsoleConfig(
        consoleEnv({ CONSOLE_HOST: '0.0.0.0', CONSOLE_AUTH_TOKEN: AUTH_TOKEN }),
      );
      const { app } = buildConsoleApp({ config, logger: false });
      apps.push(app);
      const base = await listen(app);
      expect((await fetch(`${base}/`)).status).toBe(401);
      expect((await fetch(`${base}/metrics`)).status).toBe(401);
      const anonymous = new Browser(base);
      expect(await anonymous.get('/')).toMatchObject({ status: 303, location: '/login' });
      const posted = await fetch(`${base}/webhooks/create`, { method: 'POST' });
      expect(posted.status).toBe(401);
      expect((await fetch(`${base}/`, { headers: { authorization: `Bearer ${AUTH_TOKEN}` } })).status).toBe(
        200,
      );
      await anonymous.get('/login');
      expect((await anonymous.post('/login', [['token', 'wrong-token-0123456789']])).status).toBe(401);
      expect(await anonymous.post('/login', [['token', AUTH_TOKEN]])).toMatchObject({ status: 303 });
      const page = await anonymous.get('/');
      expect(page.status).toBe(200);
      expect(page.body).not.toContain(AUTH_TOKEN);
      expect(() => loadConsoleConfig(consoleEnv({ CONSOLE_HOST: '0.0.0.0' }))).toThrow(
        /CONSOLE_AUTH_TOKEN: required/,
      );
    });
  },
);
