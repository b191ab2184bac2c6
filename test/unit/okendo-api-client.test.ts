/**
 * The Okendo API client against a local test double of Okendo's own API (node:http), answering from the
 * documented contract: basic auth, the okendo-api-version header, lastEvaluated cursors with a relative nextUrl,
 * `{error: {description}}` bodies, 429 with Retry-After.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import {
  credentialsBySource,
  OkendoClient,
  type OkendoClientOptions,
  OkendoCredentials,
  type OkendoRequestLog,
  readOkendoApiConfig,
  readOkendoCredentials,
  retryAfterMs,
} from '@okendo/okendo-api';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

const userId = randomUUID();
const apiKey = randomBytes(16).toString('hex');
const basicAuth = Buffer.from(`${userId}:${apiKey}`).toString('base64');

interface Forced {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}
interface Seen {
  method: string;
  path: string;
  at: number;
  authorized: boolean;
  version: string | undefined;
}

/** Okendo's subscription API as documented, over an in-memory list, with scripted failures first. */
class OkendoDouble {
  readonly seen: Seen[] = [];
  readonly forced: Forced[] = [];
  readonly subscriptions = new Map<string, Record<string, unknown>>();
  nextUrlWithBasePath = true;
  baseUrl = '';
  readonly #server = createServer((request, response) => {
    this.#answer(request, response).catch((error: unknown) => {
      response.writeHead(500).end(JSON.stringify({ error: { description: String(error) } }));
    });
  });

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/enterprise`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  reset(): void {
    this.seen.length = 0;
    this.forced.length = 0;
    this.subscriptions.clear();
    this.nextUrlWithBasePath = true;
  }

  addSubscriptions(count: number): string[] {
    const ids: string[] = [];
    for (let i = 0; i < count; i += 1) {
      const id = `ws_${String(i).padStart(4, '0')}`;
      ids.push(id);
      this.subscriptions.set(id, subscription(id, `https://example.test/hook/${i}`));
    }
    return ids;
  }

  async #answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://double');
    const authorized = request.headers.authorization === `Basic ${basicAuth}`;
    const version = request.headers['okendo-api-version'] as string | undefined;
    this.seen.push({ method: request.method ?? '', path: url.pathname, at: Date.now(), authorized, version });
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const send = (status: number, body?: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(status, { 'content-type': 'application/json', ...headers });
      response.end(body === undefined ? undefined : JSON.stringify(body));
    };
    const forced = this.forced.shift();
    if (forced) return send(forced.status, forced.body, forced.headers);
    if (!authorized) return send(401, { error: { description: 'Invalid credentials' } });
    if (version !== '2025-02-01') return send(400, { error: { description: 'okendo-api-version required' } });
    const route = url.pathname.replace(/^\/enterprise/, '');
    const method = request.method;
    if (route === '/webhook_subscriptions' && method === 'GET') return send(200, this.#page(url));
    if (route === '/webhook_subscriptions' && method === 'POST') {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      if (typeof body['endpointUrl'] !== 'string' || !body['endpointUrl'].startsWith('https://'))
        return send(422, { error: { description: 'endpointUrl must be an https URL' } });
      const id = `ws_${randomUUID()}`;
      const created = { ...subscription(id, body['endpointUrl']), subscriptions: body['subscriptions'] };
      this.subscriptions.set(id, created);
      return send(201, { ...created, webhookSecret: `whsec_${randomBytes(24).toString('base64')}` });
    }
    const match = /^\/webhook_subscriptions\/([^/]+)(\/rotate_secret)?$/.exec(route);
    const existing = match?.[1] ? this.subscriptions.get(decodeURIComponent(match[1])) : undefined;
    if (!existing) return send(404, { error: { description: 'Webhook subscription not found' } });
    if (match?.[2] && method === 'POST')
      return send(200, { webhookSubscriptionSecret: `whsec_${randomBytes(24).toString('base64')}` });
    if (method === 'GET') return send(200, existing);
    if (method === 'PUT') {
      Object.assign(existing, JSON.parse(Buffer.concat(chunks).toString('utf8')));
      return send(200, existing);
    }
    if (method === 'DELETE') {
      this.subscriptions.delete(String(existing['webhookSubscriptionId']));
      return send(204);
    }
    return send(405, { error: { description: 'Method not allowed' } });
  }

  #page(url: URL): unknown {
    const limit = Number(url.searchParams.get('limit') ?? '25');
    const cursor = url.searchParams.get('lastEvaluated');
    const after = cursor
      ? (JSON.parse(cursor) as { webhookSubscriptionId: string }).webhookSubscriptionId
      : '';
    const ids = [...this.subscriptions.keys()].sort().filter((id) => id > after);
    const items = ids.slice(0, limit).map((id) => this.subscriptions.get(id));
    const last = ids.length > limit ? ids[limit - 1] : undefined;
    if (last === undefined) return { webhookSubscriptions: items };
    const query = `limit=${limit}&lastEvaluated=${encodeURIComponent(JSON.stringify({ webhookSubscriptionId: last }))}`;
    const path = this.nextUrlWithBasePath ? '/enterprise/webhook_subscriptions' : '/webhook_subscriptions';
    return { webhookSubscriptions: items, nextUrl: `${path}?${query}` };
  }
}

function subscription(id: string, endpointUrl: string): Record<string, unknown> {
  return {
    subscriberId: userId,
    webhookSubscriptionId: id,
    endpointUrl,
    version: '2025-02-01',
    subscriptions: [{ resourceType: 'review', topic: 'create' }],
    isEnabled: true,
    dateCreated: '2026-01-01T00:00:00.000Z',
    dateModified: '2026-01-01T00:00:00.000Z',
  };
}

const double = new OkendoDouble();
const logs: OkendoRequestLog[] = [];
const fast = { requestsPerSecond: 1_000, burst: 10 };
const clientFor = (options: Partial<OkendoClientOptions> = {}) =>
  new OkendoClient({
    credentials: new OkendoCredentials(userId, apiKey),
    baseUrl: double.baseUrl,
    rateLimit: fast,
    retryBaseDelayMs: 10,
    log: (entry) => logs.push(entry),
    ...options,
  });

beforeAll(() => double.start());
afterAll(() => double.stop());
afterEach(() => {
  double.reset();
  logs.length = 0;
});

describe('OkendoClient pagination', () => {
  it('reads 250 subscriptions over 3 pages, following nextUrl with basic auth and the version header', async () => {
    const ids = double.addSubscriptions(250);
    const pages: number[] = [];
    const seenIds: string[] = [];
    for await (const page of clientFor().subscriptionPages({ limit: 100 })) {
      if (!page.ok) throw new Error(page.error.message);
      pages.push(page.value.webhookSubscriptions.length);
      seenIds.push(...page.value.webhookSubscriptions.map((s) => s.webhookSubscriptionId));
    }
    expect(pages).toEqual([100, 100, 50]);
    expect(seenIds).toEqual(ids);
    expect(double.seen).toHaveLength(3);
    expect(double.seen.every((s) => s.authorized && s.version === '2025-02-01')).toBe(true);
    expect(double.seen.every((s) => s.path === '/enterprise/webhook_subscriptions')).toBe(true);
  });

  it('follows a nextUrl relative to the base URL too, and resumes from a page cursor', async () => {
    double.addSubscriptions(60);
    double.nextUrlWithBasePath = false;
    const all = await clientFor().listAllSubscriptions({ limit: 25 });
    expect(all.ok && all.value.length).toBe(60);
    const first = await clientFor().subscriptionPages({ limit: 25 }).next();
    const cursor = first.value?.ok ? first.value.value.lastEvaluated : undefined;
    expect(cursor).toBe(JSON.stringify({ webhookSubscriptionId: 'ws_0024' }));
    const rest = await clientFor().listAllSubscriptions({
      limit: 25,
      ...(cursor ? { lastEvaluated: cursor } : {}),
    });
    expect(rest.ok && rest.value.map((s) => s.webhookSubscriptionId)[0]).toBe('ws_0025');
  });

  it('ends the iteration with an error when a page fails', async () => {
    double.addSubscriptions(30);
    const results = [];
    const client = clientFor();
    const iterator = client.subscriptionPages({ limit: 10 });
    results.push(await iterator.next());
    double.forced.push({ status: 404, body: { error: { description: 'cursor expired' } } });
    for await (const page of iterator) results.push({ value: page });
    expect(results).toHaveLength(2);
    expect(results[1]?.value).toMatchObject({
      ok: false,
      error: { status: 404, description: 'cursor expired' },
    });
  });
});

describe('OkendoClient back-off', () => {
  it('waits out a 429 for its Retry-After (seconds) and then succeeds', async () => {
    const [id = ''] = double.addSubscriptions(1);
    double.forced.push({
      status: 429,
      body: { error: { description: 'Too many requests' } },
      headers: { 'retry-after': '1' },
    });
    const answer = await clientFor().getSubscription(id);
    expect(answer).toMatchObject({ ok: true, value: { webhookSubscriptionId: id } });
    const [refused, accepted] = double.seen;
    expect(double.seen).toHaveLength(2);
    expect((accepted?.at ?? 0) - (refused?.at ?? 0)).toBeGreaterThanOrEqual(950);
    expect(logs).toContainEqual(expect.objectContaining({ event: 'retry', status: 429, waitMs: 1_000 }));
  });

  it('reads Retry-After as an HTTP date or delay-seconds', () => {
    const now = Date.parse('2026-12-02T00:00:00Z');
    expect(retryAfterMs('Wed, 02 Dec 2026 00:00:03 GMT', now)).toBe(3_000);
    expect(retryAfterMs('Wed, 02 Dec 2026 00:00:00 GMT', now + 5_000)).toBe(0);
    expect(retryAfterMs('2', now)).toBe(2_000);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
  });

  it('honours an HTTP-date Retry-After on the wire', async () => {
    const [id = ''] = double.addSubscriptions(1);
    double.forced.push({
      status: 429,
      headers: { 'retry-after': new Date(Date.now() + 1_500).toUTCString() },
    });
    expect((await clientFor().getSubscription(id)).ok).toBe(true);
    const [refused, accepted] = double.seen;
    expect((accepted?.at ?? 0) - (refused?.at ?? 0)).toBeGreaterThanOrEqual(400);
  });

  it('gives up after maxRetries with a retriable rate_limited error', async () => {
    for (let i = 0; i < 5; i += 1) double.forced.push({ status: 429, headers: { 'retry-after': '0' } });
    const answer = await clientFor({ maxRetries: 2 }).getSubscription('ws_x');
    expect(answer).toMatchObject({
      ok: false,
      error: { code: 'rate_limited', status: 429, retriable: true },
    });
    expect(double.seen).toHaveLength(3);
  });

  it('returns a 429 whose Retry-After exceeds maxRetryAfterMs instead of waiting', async () => {
    double.forced.push({ status: 429, headers: { 'retry-after': '3600' } });
    const answer = await clientFor({ maxRetryAfterMs: 5_000 }).getSubscription('ws_x');
    expect(answer).toMatchObject({ ok: false, error: { code: 'rate_limited', retriable: true } });
    expect(double.seen).toHaveLength(1);
  });

  it('retries a 503 for GET, but not for POST (create is not idempotent)', async () => {
    const [id = ''] = double.addSubscriptions(1);
    double.forced.push({ status: 503 });
    expect((await clientFor().getSubscription(id)).ok).toBe(true);
    double.forced.push({ status: 503 });
    const created = await clientFor().createSubscription({
      endpointUrl: 'https://example.test/webhooks/okendo',
      isEnabled: true,
      subscriptions: [{ resourceType: 'review', topic: 'create' }],
    });
    expect(created).toMatchObject({
      ok: false,
      error: { code: 'server_error', status: 503, retriable: true },
    });
    expect(double.seen).toHaveLength(3);
  });

  it('spaces requests by the client-side rate limit', async () => {
    const [id = ''] = double.addSubscriptions(1);
    const client = clientFor({ rateLimit: { requestsPerSecond: 10, burst: 1 } });
    const started = Date.now();
    await Promise.all(Array.from({ length: 5 }, () => client.getSubscription(id)));
    expect(Date.now() - started).toBeGreaterThanOrEqual(380);
  });

  it('reports an unreachable Okendo as a retriable network error', async () => {
    const closed = new OkendoDouble();
    await closed.start();
    await closed.stop();
    const answer = await clientFor({ baseUrl: closed.baseUrl, maxRetries: 1 }).getSubscription('ws_x');
    expect(answer).toMatchObject({ ok: false, error: { code: 'network_error', retriable: true } });
  });
});

describe('OkendoClient calls and errors', () => {
  it('creates, updates, rotates and deletes a subscription', async () => {
    const client = clientFor();
    const created = await client.createSubscription({
      endpointUrl: 'https://example.test/webhooks/okendo',
      isEnabled: true,
      subscriptions: [{ resourceType: 'review', topic: 'create' }],
    });
    if (!created.ok) throw new Error(created.error.message);
    expect(created.value.webhookSecret).toMatch(/^whsec_/);
    const id = created.value.webhookSubscriptionId;
    expect(await client.updateSubscription(id, { isEnabled: false })).toMatchObject({
      ok: true,
      value: { isEnabled: false },
    });
    const rotated = await client.rotateSecret(id);
    expect(rotated.ok && rotated.value.webhookSubscriptionSecret).toMatch(/^whsec_/);
    expect(await client.deleteSubscription(id)).toEqual({ ok: true, value: undefined });
    expect(await client.getSubscription(id)).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });

  it.each([
    [401, 'unauthorized', 'Invalid credentials'],
    [403, 'forbidden', 'Not allowed to manage webhooks'],
    [404, 'not_found', 'Webhook subscription not found'],
    [422, 'invalid_request', 'endpointUrl must be an https URL'],
  ])('maps %i to %s with Okendo’s description', async (status, code, description) => {
    double.forced.push({ status, body: { error: { description } } });
    const answer = await clientFor().getSubscription('ws_1');
    expect(answer).toEqual({
      ok: false,
      error: {
        code,
        status,
        description,
        retriable: false,
        method: 'GET',
        path: '/enterprise/webhook_subscriptions/ws_1',
        message: expect.stringContaining(description),
      },
    });
    expect(double.seen).toHaveLength(1);
  });

  it('answers 401 from the double for wrong credentials, and 422 for a bad endpointUrl', async () => {
    const wrong = clientFor({ credentials: new OkendoCredentials(userId, 'x'.repeat(32)) });
    expect(await wrong.getSubscription('ws_1')).toMatchObject({ ok: false, error: { status: 401 } });
    const invalid = await clientFor().createSubscription({
      endpointUrl: 'http://plain',
      isEnabled: true,
      subscriptions: [],
    });
    expect(invalid).toMatchObject({
      ok: false,
      error: { status: 422, description: 'endpointUrl must be an https URL' },
    });
  });

  it('reports an answer that is not the documented shape', async () => {
    double.forced.push({ status: 200, body: { webhookSubscriptions: 'nope' } });
    const page = await clientFor().subscriptionPages().next();
    expect(page.value).toMatchObject({ ok: false, error: { code: 'invalid_response', retriable: false } });
  });
});

describe('OkendoClient secrecy', () => {
  it('never shows the API key or a webhook secret in errors, logs, JSON or inspect', async () => {
    const client = clientFor({ maxRetries: 1 });
    const errors: unknown[] = [];
    const collect = async (call: Promise<{ ok: boolean; error?: unknown }>) => {
      const answer = await call;
      if (!answer.ok) errors.push(answer.error);
    };
    for (const status of [401, 403, 404, 422, 500, 500])
      double.forced.push({ status, body: { error: { description: `echo ${apiKey} and ${basicAuth}` } } });
    for (let i = 0; i < 5; i += 1) await collect(client.getSubscription('ws_1'));
    const closed = new OkendoDouble();
    await closed.start();
    await closed.stop();
    await collect(clientFor({ baseUrl: closed.baseUrl, maxRetries: 0 }).getSubscription('ws_1'));
    const created = await client.createSubscription({
      endpointUrl: 'https://example.test/hook',
      isEnabled: true,
      subscriptions: [],
    });
    const secret = created.ok ? created.value.webhookSecret : 'missing';
    const rotated = await client.rotateSecret(created.ok ? created.value.webhookSubscriptionId : '');
    const rotatedSecret = rotated.ok ? rotated.value.webhookSubscriptionSecret : 'missing';

    expect(errors).toHaveLength(6);
    const credentials = new OkendoCredentials(userId, apiKey);
    const shown = [
      JSON.stringify(errors),
      errors.map((e) => inspect(e)).join('\n'),
      JSON.stringify(logs),
      JSON.stringify(client),
      String(client),
      inspect(client, { showHidden: true, depth: 10 }),
      JSON.stringify(credentials),
      String(credentials),
      inspect(credentials, { showHidden: true, depth: 10 }),
      JSON.stringify({ client, credentials }),
    ].join('\n');
    for (const hidden of [apiKey, basicAuth, secret, rotatedSecret]) expect(shown).not.toContain(hidden);
    expect(shown).toContain('[redacted]');
    expect(shown).toContain(userId);
  });
});

describe('Okendo credentials', () => {
  it('reads OKENDO_USER_ID / OKENDO_API_KEY and per-source keys, naming a missing key without values', () => {
    const env = { OKENDO_USER_ID: userId, OKENDO_API_KEY: apiKey, OKENDO_USER_ID_EU_SHOP: 'u2' };
    const read = readOkendoCredentials(env);
    expect(read.ok && read.credentials.userId).toBe(userId);
    const eu = readOkendoCredentials(env, 'eu-shop');
    expect(eu).toEqual({ ok: false, problems: ['OKENDO_API_KEY_EU_SHOP: required (the Okendo API key)'] });
    expect(readOkendoCredentials({}, 'Bad Name').ok).toBe(false);
  });

  it('builds credentials per source from an object', () => {
    const built = credentialsBySource({ default: { userId, apiKey }, eu: { userId: 'u2', apiKey: '' } });
    expect(built.ok).toBe(false);
    expect(built.ok ? [] : built.problems).toEqual(['source "eu": apiKey: required (the Okendo API key)']);
    const good = credentialsBySource({ default: { userId, apiKey }, eu: { userId: 'u2', apiKey: 'k2' } });
    expect(good.ok && [...good.sources.keys()]).toEqual(['default', 'eu']);
  });

  it('reads OKENDO_API_URL, defaulting to Okendo’s documented base URL, and refuses credentials in it', () => {
    const env = { OKENDO_USER_ID: userId, OKENDO_API_KEY: apiKey };
    const plain = readOkendoApiConfig(env);
    expect(plain.ok && plain.config.baseUrl).toBe('https://api.okendo.io/enterprise');
    const fake = readOkendoApiConfig({ ...env, OKENDO_API_URL: 'http://127.0.0.1:8095/enterprise' });
    expect(fake.ok && fake.config.baseUrl).toBe('http://127.0.0.1:8095/enterprise');
    const leaky = readOkendoApiConfig({
      ...env,
      OKENDO_API_URL: `https://u:${apiKey}@api.okendo.io/enterprise`,
    });
    expect(leaky.ok).toBe(false);
    expect(JSON.stringify(leaky)).not.toContain(apiKey);
    expect(readOkendoApiConfig({ ...env, OKENDO_API_URL: 'ftp://x' }).ok).toBe(false);
  });
});
