/**
 * The Okendo fake's HTTP contract on the wire, with plain fetch (no client): what it answers without the
 * okendo-api-version header, the order of its checks, routes (after auth and the rate limit, with URLs relative
 * to the API root), 405 and 404 outside what it serves.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeAnswer, FakeOkendo, type FakeRoute } from '../okendo-fake/fake-okendo.js';

const userId = randomUUID();
const apiKey = randomBytes(16).toString('hex');
const forbiddenUserId = randomUUID();
const basic = (user: string, key: string) => `Basic ${Buffer.from(`${user}:${key}`).toString('base64')}`;
const good = { authorization: basic(userId, apiKey), 'okendo-api-version': '2025-02-01' };

const routed: Array<{ method: string; path: string; query: string; body: unknown }> = [];
const echoRoute: FakeRoute = (method, url, body): FakeAnswer | undefined => {
  if (url.pathname !== '/reviews') return undefined;
  routed.push({ method, path: url.pathname, query: url.search, body });
  return { status: 200, body: { reviews: [] }, headers: { 'x-route': 'reviews' } };
};

let fake: FakeOkendo;
let limited: FakeOkendo;
beforeAll(async () => {
  const common = { userId, apiKey, forbiddenUserIds: [forbiddenUserId], routes: [echoRoute] };
  fake = await FakeOkendo.start({ ...common, rateLimit: false });
  limited = await FakeOkendo.start({ ...common, rateLimit: { perSecond: 1, burst: 1 } });
});
afterAll(async () => {
  await fake.stop();
  await limited.stop();
});

async function call(base: FakeOkendo, path: string, init: RequestInit = {}) {
  const response = await fetch(`${base.url}${path}`, { ...init, headers: { ...good, ...init.headers } });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text === '' ? undefined : JSON.parse(text),
  };
}

describe('FakeOkendo on the wire', () => {
  it('answers 400 without the okendo-api-version header or with another version', async () => {
    const without = await fetch(`${fake.url}/webhook_subscriptions`, {
      headers: { authorization: good.authorization },
    });
    expect(without.status).toBe(400);
    expect(await without.json()).toEqual({
      error: { description: 'okendo-api-version header required (2025-02-01)' },
    });
    const other = await call(fake, '/webhook_subscriptions', {
      headers: { 'okendo-api-version': '2024-01-01' },
    });
    expect(other).toMatchObject({ status: 400 });
  });

  it('checks credentials before the rate limit, and the rate limit before the version header', async () => {
    const wrong = { authorization: basic(userId, 'x'.repeat(32)) };
    for (let i = 0; i < 3; i += 1)
      expect((await call(limited, '/webhook_subscriptions', { headers: wrong })).status).toBe(401);
    expect((await call(limited, '/webhook_subscriptions')).status).toBe(200);
    const refused = await call(limited, '/webhook_subscriptions', { headers: { 'okendo-api-version': '' } });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.body).toEqual({ error: { description: 'Too many requests' } });
  });

  it('hands other paths to its routes after auth, relative to the API root, with the parsed body', async () => {
    routed.length = 0;
    const answer = await call(fake, '/reviews?limit=5&status=pending', {
      method: 'POST',
      body: JSON.stringify({ probe: true }),
      headers: { 'content-type': 'application/json' },
    });
    expect(answer).toMatchObject({ status: 200, body: { reviews: [] } });
    expect(answer.headers.get('x-route')).toBe('reviews');
    expect(routed).toEqual([
      { method: 'POST', path: '/reviews', query: '?limit=5&status=pending', body: { probe: true } },
    ]);
    expect(
      (await call(fake, '/reviews', { headers: { authorization: basic(randomUUID(), apiKey) } })).status,
    ).toBe(401);
    // A key without webhook scope is refused the subscription API only.
    const forbidden = { authorization: basic(forbiddenUserId, apiKey) };
    expect((await call(fake, '/webhook_subscriptions', { headers: forbidden })).status).toBe(403);
    expect((await call(fake, '/reviews', { headers: forbidden })).status).toBe(200);
    expect(routed).toHaveLength(2);
  });

  it('answers 404 for what nobody serves, 405 for a method a path does not take, 400 for a body that is not JSON', async () => {
    expect(await call(fake, '/surveys/x/responses')).toEqual(
      expect.objectContaining({ status: 404, body: { error: { description: 'Not found' } } }),
    );
    const outside = await fetch(fake.url.replace('/enterprise', '/webhook_subscriptions'), { headers: good });
    expect(outside.status).toBe(404);
    expect((await call(fake, '/webhook_subscriptions', { method: 'DELETE' })).status).toBe(405);
    const notJson = await call(fake, '/webhook_subscriptions', { method: 'POST', body: '{nope' });
    expect(notJson).toMatchObject({ status: 400, body: { error: { description: 'the body is not JSON' } } });
  });

  it('pages with a nextUrl relative to the API root that carries limit, orderBy and a URL-encoded JSON cursor', async () => {
    const seeded = fake.seedSubscriptions(3, 'http://127.0.0.1:1/hook');
    const first = await call(fake, '/webhook_subscriptions?limit=2&orderBy=asc');
    const nextUrl = String(first.body.nextUrl);
    expect(nextUrl).toMatch(/^\/webhook_subscriptions\?limit=2&orderBy=asc&lastEvaluated=%7B/);
    const cursor = JSON.parse(new URL(nextUrl, 'http://x').searchParams.get('lastEvaluated') ?? '');
    expect(cursor).toEqual({
      subscriberId: userId,
      webhookSubscriptionId: seeded[1]?.webhookSubscriptionId,
      dateCreated: seeded[1]?.dateCreated,
    });
    const second = await call(fake, nextUrl);
    expect(
      second.body.webhookSubscriptions.map((s: { webhookSubscriptionId: string }) => s.webhookSubscriptionId),
    ).toEqual([seeded[2]?.webhookSubscriptionId]);
    expect(second.body).not.toHaveProperty('nextUrl');
  });
});
