/**
 * The Okendo API client's edge cases against a scripted stand-in (node:http) that answers what the contract
 * fake (test/okendo-fake) never does: a nextUrl repeating the base path, a failing page mid-listing, Retry-After
 * as an HTTP date or 0, 5xx, answers of the wrong shape, descriptions echoing the key. Pagination, the real rate
 * limit, 401/403/404/422 and the subscription lifecycle run against the fake in okendo-fake-client.test.ts.
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
  /** 0: never answer (the connection stays open until the client gives up) */
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

/** Okendo's list and get calls over an in-memory list, with scripted answers first. */
class OkendoDouble {
  readonly seen: Seen[] = [];
  readonly forced: Forced[] = [];
  readonly subscriptions = new Map<string, Record<string, unknown>>();
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
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    return closed;
  }

  reset(): void {
    this.seen.length = 0;
    this.forced.length = 0;
    this.subscriptions.clear();
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
    for await (const _ of request); // drain the body
    const send = (status: number, body?: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(status, { 'content-type': 'application/json', ...headers });
      response.end(body === undefined ? undefined : JSON.stringify(body));
    };
    const forced = this.forced.shift();
    if (forced?.status === 0) return;
    if (forced) return send(forced.status, forced.body, forced.headers);
    if (!authorized) return send(401, { error: { description: 'Invalid credentials' } });
    if (version !== '2025-02-01') return send(400, { error: { description: 'okendo-api-version required' } });
    const route = url.pathname.replace(/^\/enterprise/, '');
    if (route === '/webhook_subscriptions' && request.method === 'GET') return send(200, this.#page(url));
    const id = /^\/webhook_subscriptions\/([^/]+)$/.exec(route)?.[1];
    const existing = id === undefined ? undefined : this.subscriptions.get(decodeURIComponent(id));
    if (existing && request.method === 'GET') return send(200, existing);
    return send(404, { error: { description: 'Webhook subscription not found' } });
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
    // The fake's nextUrl is relative to the API root; this one repeats the base path, the other documented reading.
    return { webhookSubscriptions: items, nextUrl: `/enterprise/webhook_subscriptions?${query}` };
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
  it('follows a nextUrl that repeats the base path, with basic auth and the version header, and resumes', async () => {
    const ids = double.addSubscriptions(60);
    const all = await clientFor().listAllSubscriptions({ limit: 25 });
    expect(all.ok && all.value.map((s) => s.webhookSubscriptionId)).toEqual(ids);
    expect(double.seen.map((s) => s.path)).toEqual(Array(3).fill('/enterprise/webhook_subscriptions'));
    expect(double.seen.every((s) => s.authorized && s.version === '2025-02-01')).toBe(true);
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

  it('gives up on an answer that does not come within requestTimeoutMs, retrying a GET once', async () => {
    const [id = ''] = double.addSubscriptions(1);
    double.forced.push({ status: 0 }, { status: 0 });
    const answer = await clientFor({ requestTimeoutMs: 200, maxRetries: 1 }).getSubscription(id);
    expect(answer).toMatchObject({
      ok: false,
      error: {
        code: 'network_error',
        retriable: true,
        message: `cannot reach Okendo for GET /enterprise/webhook_subscriptions/${id}: no answer within 200 ms`,
      },
    });
    expect(double.seen).toHaveLength(2);
  });

  it('reports an unreachable Okendo as a retriable network error', async () => {
    const closed = new OkendoDouble();
    await closed.start();
    await closed.stop();
    const answer = await clientFor({ baseUrl: closed.baseUrl, maxRetries: 1 }).getSubscription('ws_x');
    expect(answer).toMatchObject({ ok: false, error: { code: 'network_error', retriable: true } });
  });
});

describe('OkendoClient answers', () => {
  it('reports an answer that is not the documented shape', async () => {
    double.forced.push({ status: 200, body: { webhookSubscriptions: 'nope' } });
    const page = await clientFor().subscriptionPages().next();
    expect(page.value).toMatchObject({ ok: false, error: { code: 'invalid_response', retriable: false } });
  });
});

describe('OkendoClient secrecy', () => {
  it('never shows the API key in errors, logs, JSON or inspect, even when Okendo echoes it', async () => {
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
    for (const hidden of [apiKey, basicAuth]) expect(shown).not.toContain(hidden);
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

  it('reads OKENDO_API_REQUESTS_PER_SECOND: unset keeps the client default, a bad value is refused', () => {
    const env = { OKENDO_USER_ID: userId, OKENDO_API_KEY: apiKey };
    const plain = readOkendoApiConfig(env);
    expect(plain.ok && plain.config.requestsPerSecond).toBeUndefined();
    const faster = readOkendoApiConfig({ ...env, OKENDO_API_REQUESTS_PER_SECOND: '18' });
    expect(faster.ok && faster.config.requestsPerSecond).toBe(18);
    for (const bad of ['0', '-1', 'fast', '5000']) {
      const read = readOkendoApiConfig({ ...env, OKENDO_API_REQUESTS_PER_SECOND: bad });
      expect(read.ok ? [] : read.problems).toEqual([
        'OKENDO_API_REQUESTS_PER_SECOND: expected a number of requests a second, above 0 and at most 1000',
      ]);
    }
  });
});
