/**
 * `okendo-pipeline subscriptions ...` as a process, against a small node:http stand-in that plays Okendo's
 * subscription API (basic auth, pages with nextUrl, 404, 422) and the sink's /healthz and POST /audit (so the
 * audit rows each command sends are seen). The secrets file is a temp file; the secret and the API key must
 * never reach stdout or stderr unless --show-secret asks for the secret.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseWebhookSourcesFile, type SourceSecretEntry } from '@okendo/common';
import type { WebhookSubscription } from '@okendo/okendo-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { runOperatorCli } from '../harness/replay-cli.js';
import { newWebhookSecret } from '../harness/webhook-signer.js';

const USER_ID = '5a0c3f0e-1111-4222-8333-444455556666';
const API_KEY = 'okendo-key-Zq8v0LxW3u';
/** What this stand-in Okendo silently leaves out of a subscription (to see the CLI report it). */
const IGNORED_TYPE = 'survey_response';

interface AuditSeen {
  at: number;
  actor: string;
  command: string;
  target: string;
  outcome: string;
  detail: string;
}

class StandIn {
  readonly subscriptions = new Map<string, WebhookSubscription>();
  readonly secrets = new Map<string, string[]>();
  readonly audits: AuditSeen[] = [];
  readonly requests: string[] = [];
  server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      this.#answer(request).then(
        ({ status, body }) => {
          response.writeHead(status, { 'content-type': 'application/json' });
          response.end(body === undefined ? undefined : JSON.stringify(body));
        },
        () => {
          response.writeHead(500);
          response.end();
        },
      );
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  seed(count: number): void {
    for (let i = 0; i < count; i += 1)
      this.#create({ endpointUrl: `https://x.example/${i}`, subscriptions: [] });
  }

  #create(body: Record<string, unknown>): WebhookSubscription & { webhookSecret: string } {
    const id = randomUUID();
    const pairs = (body['subscriptions'] as WebhookSubscription['subscriptions']) ?? [];
    const now = new Date(Date.now() + this.subscriptions.size).toISOString();
    const subscription: WebhookSubscription = {
      subscriberId: USER_ID,
      webhookSubscriptionId: id,
      endpointUrl: String(body['endpointUrl']),
      version: '2025-02-01',
      subscriptions: pairs.filter((pair) => pair.resourceType !== IGNORED_TYPE),
      isEnabled: body['isEnabled'] !== false,
      dateCreated: now,
      dateModified: now,
    };
    const secret = newWebhookSecret();
    this.subscriptions.set(id, subscription);
    this.secrets.set(id, [secret]);
    return { ...subscription, webhookSecret: secret };
  }

  async #answer(request: IncomingMessage): Promise<{ status: number; body?: unknown }> {
    const url = new URL(request.url ?? '/', this.url);
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const body = text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>);
    this.requests.push(`${request.method} ${url.pathname}`);
    if (url.pathname === '/healthz') return { status: 200, body: { status: 'ok' } };
    if (url.pathname === '/audit' && request.method === 'POST') {
      this.audits.push(body as unknown as AuditSeen);
      return { status: 201, body: { status: 'recorded' } };
    }
    const expected = `Basic ${Buffer.from(`${USER_ID}:${API_KEY}`).toString('base64')}`;
    if (request.headers.authorization !== expected)
      return { status: 401, body: { error: { description: 'Unauthorized' } } };
    const path = url.pathname.replace(/^\/enterprise/, '');
    if (path === '/webhook_subscriptions' && request.method === 'GET') {
      const limit = Number(url.searchParams.get('limit') ?? '25');
      const all = [...this.subscriptions.values()];
      const after = url.searchParams.get('lastEvaluated');
      const from =
        after === null ? 0 : all.findIndex((s) => s.webhookSubscriptionId === JSON.parse(after).id) + 1;
      const page = all.slice(from, from + limit);
      const last = page.at(-1);
      const more = from + limit < all.length && last !== undefined;
      return {
        status: 200,
        body: {
          webhookSubscriptions: page,
          ...(more
            ? {
                nextUrl: `/webhook_subscriptions?limit=${limit}&lastEvaluated=${encodeURIComponent(JSON.stringify({ id: last.webhookSubscriptionId }))}`,
              }
            : {}),
        },
      };
    }
    if (path === '/webhook_subscriptions' && request.method === 'POST') {
      if (!String(body?.['endpointUrl']).startsWith('http'))
        return { status: 422, body: { error: { description: 'endpointUrl must be an absolute URL' } } };
      return { status: 201, body: this.#create(body ?? {}) };
    }
    const match = /^\/webhook_subscriptions\/([^/]+)(\/rotate_secret)?$/.exec(path);
    const id = decodeURIComponent(match?.[1] ?? '');
    const found = this.subscriptions.get(id);
    if (found === undefined)
      return { status: 404, body: { error: { description: 'Webhook subscription not found' } } };
    if (match?.[2] !== undefined) {
      const secret = newWebhookSecret();
      this.secrets.set(id, [secret, ...(this.secrets.get(id) ?? [])]);
      return { status: 200, body: { webhookSubscriptionSecret: secret } };
    }
    if (request.method === 'GET') return { status: 200, body: found };
    if (request.method === 'DELETE') {
      this.subscriptions.delete(id);
      return { status: 204 };
    }
    if (request.method === 'PUT') {
      const updated: WebhookSubscription = {
        ...found,
        ...(body?.['endpointUrl'] === undefined ? {} : { endpointUrl: String(body['endpointUrl']) }),
        ...(body?.['isEnabled'] === undefined ? {} : { isEnabled: body['isEnabled'] === true }),
        ...(body?.['subscriptions'] === undefined
          ? {}
          : {
              subscriptions: (body['subscriptions'] as WebhookSubscription['subscriptions']).filter(
                (pair) => pair.resourceType !== IGNORED_TYPE,
              ),
            }),
        dateModified: new Date().toISOString(),
      };
      this.subscriptions.set(id, updated);
      return { status: 200, body: updated };
    }
    return { status: 405 };
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

// Each case runs the CLI as a process (about 1.5 s of start-up each on this machine), several times.
vi.setConfig({ testTimeout: 120_000 });

const okendo = new StandIn();
let dir: string;
let secretsFile: string;

beforeAll(async () => {
  await okendo.start();
  dir = await mkdtemp(join(tmpdir(), 'cli-subscriptions-'));
});
afterAll(async () => {
  await okendo.stop();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  okendo.subscriptions.clear();
  okendo.audits.length = 0;
  secretsFile = join(dir, `${randomUUID()}.json`);
});

const env = (extra: Record<string, string | undefined> = {}) => ({
  OKENDO_API_URL: `${okendo.url}/enterprise`,
  OKENDO_USER_ID: USER_ID,
  OKENDO_API_KEY: API_KEY,
  OKENDO_USER_ID_SHOP_A: USER_ID,
  OKENDO_API_KEY_SHOP_A: API_KEY,
  OKENDO_WEBHOOK_SOURCES_FILE: secretsFile,
  // Audit rows go to the "sink" (the stand-in): embedded mode, no ClickHouse server.
  CLICKHOUSE_URL: undefined,
  SINK_URL: okendo.url,
  SINK_SQL_TOKEN: undefined,
  OKENDO_PIPELINE_ACTOR: 'ci-job-42',
  ...extra,
});

const cli = (args: string[], extra?: Record<string, string | undefined>) => runOperatorCli(args, env(extra));

async function fileEntries(source: string): Promise<SourceSecretEntry[]> {
  const parsed = parseWebhookSourcesFile(await readFile(secretsFile, 'utf8'));
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  return parsed.sources[source] ?? [];
}

const allSecrets = () => [...okendo.secrets.values()].flat();
function expectNoSecrets(...texts: string[]): void {
  for (const text of texts) {
    expect(text).not.toContain(API_KEY);
    for (const secret of allSecrets()) expect(text).not.toContain(secret.slice(6));
  }
}

describe('subscriptions create', () => {
  it('creates at Okendo, writes the secret under the source with its label, prints no secret, audits', async () => {
    const run = await cli([
      '--json',
      'subscriptions',
      'create',
      '--source',
      'shop-a',
      '--url',
      'https://ingest.example/webhooks/okendo/shop-a',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout);
    const id = out.subscription.webhookSubscriptionId as string;
    expect(out).toMatchObject({
      source: 'shop-a',
      secretLabel: `${id.slice(0, 8)}#1`,
      secretWritten: true,
      refused: [],
    });
    expect(out.secret).toBeUndefined();
    expect(out.subscription.subscriptions).toHaveLength(15);
    const [entry] = await fileEntries('shop-a');
    expect(entry).toMatchObject({
      label: `${id.slice(0, 8)}#1`,
      subscriptionId: id,
      secret: okendo.secrets.get(id)?.[0],
    });
    expectNoSecrets(run.stdout, run.stderr);
    expect(okendo.audits).toEqual([
      expect.objectContaining({
        command: 'subscriptions create',
        target: `shop-a/${id}`,
        outcome: 'ok',
        actor: 'ci-job-42',
      }),
    ]);
    expectNoSecrets(JSON.stringify(okendo.audits));
  });

  it('prints the secret only with --show-secret', async () => {
    const run = await cli([
      'subscriptions',
      'create',
      '--url',
      'https://i.example/webhooks/okendo',
      '--show-secret',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const [id] = okendo.subscriptions.keys();
    expect(run.stdout).toContain(okendo.secrets.get(id ?? '')?.[0]);
    expect(run.stdout).toContain(`${secretsFile} (from OKENDO_WEBHOOK_SOURCES_FILE)`);
  });

  it('reports the resource types Okendo left out (exit 3) and a URL serving another source', async () => {
    const run = await cli([
      'subscriptions',
      'create',
      '--url',
      'https://i.example/webhooks/okendo/shop-b',
      '--resource-types',
      'review,survey_response',
      '--topics',
      'create',
    ]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('Okendo did not subscribe to survey_response/create');
    expect(run.stderr).toContain('source "shop-b", but the secret goes under --source "default"');
    expect(okendo.audits[0]).toMatchObject({ outcome: 'incomplete' });
  });

  it('refuses an unknown resource type or a bad URL before calling Okendo (exit 2)', async () => {
    const unknown = await cli([
      'subscriptions',
      'create',
      '--url',
      'https://i.example/w',
      '--resource-types',
      'reviews',
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--resource-types: unknown "reviews"; known: review,');
    const badUrl = await cli(['subscriptions', 'create', '--url', 'ftp://i.example/w']);
    expect(badUrl.code).toBe(2);
    expect(okendo.subscriptions.size).toBe(0);
  });

  it("Okendo's 401 is exit 1 without the key; missing credentials are exit 2", async () => {
    const denied = await cli(['subscriptions', 'list'], { OKENDO_API_KEY: 'wrong-key-0123456789' });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('Okendo answered 401');
    expect(denied.stderr).not.toContain('wrong-key-0123456789');
    const missing = await cli(['subscriptions', 'list'], { OKENDO_API_KEY: undefined });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('OKENDO_API_KEY: required');
  });
});

describe('subscriptions list, get, update, enable, disable', () => {
  it('lists every page', async () => {
    okendo.seed(230);
    const run = await cli(['--json', 'subscriptions', 'list']);
    expect(run.code, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.count).toBe(230);
    expect(new Set(out.subscriptions.map((s: WebhookSubscription) => s.webhookSubscriptionId)).size).toBe(
      230,
    );
    const human = await cli(['subscriptions', 'list']);
    expect(human.stdout.split('\n')[0]).toMatch(/^id\s+url\s+enabled\s+resource types \/ topics\s+created$/);
    expect(human.stdout.trim().split('\n')).toHaveLength(231);
  });

  it('updates topics keeping the resource types, disables and enables, each audited', async () => {
    const created = await cli([
      '--json',
      'subscriptions',
      'create',
      '--url',
      'https://i.example/webhooks/okendo',
      '--resource-types',
      'review,loyalty_customer',
    ]);
    const id = JSON.parse(created.stdout).subscription.webhookSubscriptionId as string;
    const update = await cli(['--json', 'subscriptions', 'update', id, '--topics', 'create,update']);
    expect(update.code, update.stderr).toBe(0);
    expect(okendo.subscriptions.get(id)?.subscriptions).toEqual([
      { resourceType: 'review', topic: 'create' },
      { resourceType: 'review', topic: 'update' },
      { resourceType: 'loyalty_customer', topic: 'create' },
      { resourceType: 'loyalty_customer', topic: 'update' },
    ]);
    expect((await cli(['subscriptions', 'disable', id])).code).toBe(0);
    expect(okendo.subscriptions.get(id)?.isEnabled).toBe(false);
    expect((await cli(['subscriptions', 'enable', id])).code).toBe(0);
    expect(okendo.subscriptions.get(id)?.isEnabled).toBe(true);
    const get = await cli(['subscriptions', 'get', id]);
    expect(get.stdout).toContain(`secrets   ${id.slice(0, 8)}#1`);
    expectNoSecrets(get.stdout, get.stderr);
    expect(okendo.audits.map((a) => [a.command, a.outcome])).toEqual([
      ['subscriptions create', 'ok'],
      ['subscriptions update', 'ok'],
      ['subscriptions disable', 'ok'],
      ['subscriptions enable', 'ok'],
    ]);
    expect((await cli(['subscriptions', 'update', id])).code).toBe(2);
  });

  it('a 404 is exit 1, audited as failed', async () => {
    const run = await cli(['subscriptions', 'disable', 'no-such-id']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Okendo answered 404');
    expect(okendo.audits).toEqual([
      expect.objectContaining({ command: 'subscriptions disable', outcome: 'failed' }),
    ]);
  });
});

describe('subscriptions rotate-secret and delete', () => {
  it('adds the new secret, retires the old one at now + overlap, then delete removes both', async () => {
    const created = await cli([
      '--json',
      'subscriptions',
      'create',
      '--url',
      'https://i.example/webhooks/okendo',
    ]);
    const id = JSON.parse(created.stdout).subscription.webhookSubscriptionId as string;
    const before = Date.now();
    const rotated = await cli(['--json', 'subscriptions', 'rotate-secret', id, '--overlap', '90m']);
    const after = Date.now();
    expect(rotated.code, rotated.stderr).toBe(0);
    const out = JSON.parse(rotated.stdout);
    const prefix = id.slice(0, 8);
    expect(out).toMatchObject({
      secretLabel: `${prefix}#2`,
      overlap: '90m',
      dropped: [],
      secretWritten: true,
    });
    expect(out.secret).toBeUndefined();
    const entries = await fileEntries('default');
    expect(entries.map((e) => e.label)).toEqual([`${prefix}#1`, `${prefix}#2`]);
    const [newest, oldest] = okendo.secrets.get(id) ?? [];
    expect(entries.map((e) => e.secret)).toEqual([oldest, newest]);
    const notAfter = Date.parse(entries[0]?.notAfter ?? '');
    // Whole seconds in the file: within the run, rounded down.
    expect(notAfter).toBeGreaterThanOrEqual(Math.floor((before + 90 * 60_000) / 1_000) * 1_000);
    expect(notAfter).toBeLessThanOrEqual(after + 90 * 60_000);
    expect(out.retired).toEqual([{ label: `${prefix}#1`, notAfter: entries[0]?.notAfter }]);
    expect(entries[1]?.notAfter).toBeUndefined();
    expectNoSecrets(rotated.stdout, rotated.stderr);

    const deleted = await cli(['subscriptions', 'delete', id]);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toContain(`removed its secret(s) ${prefix}#1, ${prefix}#2`);
    expect(okendo.subscriptions.has(id)).toBe(false);
    expect(await fileEntries('default')).toEqual([]);
    expect(okendo.audits.map((a) => [a.command, a.outcome])).toEqual([
      ['subscriptions create', 'ok'],
      ['subscriptions rotate-secret', 'ok'],
      ['subscriptions delete', 'ok'],
    ]);
    expect(okendo.audits[1]?.detail).toContain(`new ${prefix}#2; overlap 90m; retired ${prefix}#1 until`);
  });

  it('refuses a bad --overlap (exit 2) and leaves the file alone when Okendo refuses', async () => {
    const bad = await cli(['subscriptions', 'rotate-secret', 'x', '--overlap', '24']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('whole number and a unit');
    const missing = await cli(['subscriptions', 'rotate-secret', 'no-such-id']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Okendo answered 404');
    await expect(readFile(secretsFile, 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
    expect(okendo.audits).toEqual([
      expect.objectContaining({ command: 'subscriptions rotate-secret', outcome: 'failed' }),
    ]);
  });
});
