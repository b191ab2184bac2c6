/**
 * The Okendo API client against the contract fake (test/okendo-fake): pagination over 250 subscriptions, the
 * fake's rate limit answered with 429 + Retry-After and waited out, the 401/403/404/422 Okendo gives, the whole
 * subscription lifecycle, and the API key absent from every line the client and the fake log and every error.
 * Edge cases the fake never produces (scripted 5xx, odd Retry-After forms, bad shapes) stay on the stand-in in
 * okendo-api-client.test.ts.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import {
  OkendoClient,
  type OkendoClientOptions,
  OkendoCredentials,
  type OkendoRequestLog,
  type WebhookSubscription,
} from '@okendo/okendo-api';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeOkendo, type FakeOkendoOptions } from '../okendo-fake/fake-okendo.js';

const userId = randomUUID();
const apiKey = randomBytes(16).toString('hex');
const forbiddenUserId = randomUUID();
const basicAuth = Buffer.from(`${userId}:${apiKey}`).toString('base64');
const hook = 'https://example.test/webhooks/okendo';
const reviewTopics = [{ resourceType: 'review', topic: 'create' }];

const fakeLog: string[] = [];
const clientLog: OkendoRequestLog[] = [];
const started: FakeOkendo[] = [];

async function startFake(options: Partial<FakeOkendoOptions> = {}): Promise<FakeOkendo> {
  const fake = await FakeOkendo.start({
    userId,
    apiKey,
    forbiddenUserIds: [forbiddenUserId],
    rateLimit: false,
    log: (line) => fakeLog.push(line),
    ...options,
  });
  started.push(fake);
  return fake;
}

const clientOf = (fake: FakeOkendo, options: Partial<OkendoClientOptions> = {}) =>
  new OkendoClient({
    credentials: new OkendoCredentials(userId, apiKey),
    baseUrl: fake.url,
    rateLimit: { requestsPerSecond: 1_000, burst: 10 },
    log: (entry) => clientLog.push(entry),
    ...options,
  });

interface RequestLine {
  at: number;
  event: string;
  method: string;
  path: string;
  status: number;
  retryAfterSeconds?: number;
}
const requestLines = (): RequestLine[] =>
  fakeLog.map((line) => JSON.parse(line) as RequestLine).filter((line) => line.event === 'request');

const ids = (subscriptions: readonly WebhookSubscription[]) =>
  subscriptions.map((s) => s.webhookSubscriptionId);

let fake: FakeOkendo;
beforeAll(async () => {
  fake = await startFake();
});
afterEach(() => {
  fakeLog.length = 0;
  clientLog.length = 0;
});
afterAll(async () => {
  await Promise.all(started.map((f) => f.stop()));
});

describe('OkendoClient against the fake: pagination', { timeout: 30_000 }, () => {
  it('reads 250 subscriptions in pages of 100 and 25, in creation order, each page asked once', async () => {
    const own = await startFake();
    const seeded = own.seedSubscriptions(250, hook);
    const client = clientOf(own);
    const pages: number[] = [];
    const read: WebhookSubscription[] = [];
    for await (const page of client.subscriptionPages({ limit: 100 })) {
      if (!page.ok) throw new Error(page.error.message);
      pages.push(page.value.webhookSubscriptions.length);
      read.push(...page.value.webhookSubscriptions);
    }
    expect(pages).toEqual([100, 100, 50]);
    expect(ids(read)).toEqual(ids(seeded));
    expect(read).toEqual(own.subscriptionsSnapshot());

    fakeLog.length = 0;
    const byDefault = await client.listAllSubscriptions();
    expect(byDefault.ok && ids(byDefault.value)).toEqual(ids(seeded));
    expect(requestLines().map((line) => line.status)).toEqual(Array(10).fill(200));

    const descending = await client.listAllSubscriptions({ orderBy: 'desc', limit: 100 });
    expect(descending.ok && ids(descending.value)).toEqual(ids(seeded).reverse());
  });

  it('resumes from a page cursor, also when the subscription it names was deleted meanwhile', async () => {
    const own = await startFake();
    const seeded = ids(own.seedSubscriptions(60, hook));
    const client = clientOf(own);
    const first = await client.subscriptionPages({ limit: 25 }).next();
    const cursor = first.value?.ok ? first.value.value.lastEvaluated : undefined;
    expect(cursor).toBeDefined();
    expect(await client.deleteSubscription(seeded[24] ?? '')).toEqual({ ok: true, value: undefined });
    const rest = await client.listAllSubscriptions({
      limit: 25,
      ...(cursor ? { lastEvaluated: cursor } : {}),
    });
    expect(rest.ok && ids(rest.value)).toEqual(seeded.slice(25));
  });

  it('answers the last page without nextUrl, and a bad limit or cursor with 422', async () => {
    const own = await startFake();
    own.seedSubscriptions(3, hook);
    const pages = [];
    for await (const page of clientOf(own).subscriptionPages({ limit: 3 })) pages.push(page);
    expect(pages).toHaveLength(1);
    expect(pages[0]).toMatchObject({ ok: true });
    expect(pages[0]?.ok && pages[0].value.lastEvaluated).toBeUndefined();
    const tooMany = await clientOf(own).listAllSubscriptions({ limit: 101 });
    expect(tooMany).toMatchObject({
      ok: false,
      error: {
        code: 'invalid_request',
        status: 422,
        description: 'limit must be a whole number from 1 to 100',
      },
    });
    const badCursor = await clientOf(own).listAllSubscriptions({ lastEvaluated: '{"nope":1}' });
    expect(badCursor).toMatchObject({ ok: false, error: { status: 422 } });
  });
});

describe('OkendoClient against the fake: rate limit', { timeout: 30_000 }, () => {
  it('waits out every 429 for its Retry-After and reads every page (measured at the fake)', async () => {
    const limited = await startFake({ rateLimit: { perSecond: 2, burst: 2 } });
    const seeded = limited.seedSubscriptions(60, hook);
    // A client allowing itself far more than Okendo does, so the fake's 429s are what paces it.
    const client = clientOf(limited, { rateLimit: { requestsPerSecond: 100, burst: 10 }, maxRetries: 4 });
    const all = await client.listAllSubscriptions({ limit: 10 });
    expect(all.ok && ids(all.value)).toEqual(ids(seeded));

    const lines = requestLines();
    const refused = lines.filter((line) => line.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    expect(lines.filter((line) => line.status === 200)).toHaveLength(6);
    for (const line of refused) {
      const waitMs = (line.retryAfterSeconds ?? 0) * 1_000;
      expect(waitMs).toBeGreaterThanOrEqual(1_000);
      const next = lines[lines.indexOf(line) + 1];
      // The client's next request reached the fake no sooner than Retry-After said (1 ms timer slack).
      expect((next?.at ?? 0) - line.at).toBeGreaterThanOrEqual(waitMs - 1);
      expect(clientLog).toContainEqual(expect.objectContaining({ event: 'retry', status: 429, waitMs }));
    }
  });

  it('with its default pace, is never refused by Okendo’s 2 requests/s over 12 pages', async () => {
    const limited = await startFake({ rateLimit: { perSecond: 2, burst: 2 } });
    const seeded = limited.seedSubscriptions(120, hook);
    const client = new OkendoClient({
      credentials: new OkendoCredentials(userId, apiKey),
      baseUrl: limited.url,
      log: (entry) => clientLog.push(entry),
    });
    const all = await client.listAllSubscriptions({ limit: 10 });
    expect(all.ok && ids(all.value)).toEqual(ids(seeded));
    // Paced like the server (2/s, burst 2), the client was refused from the third request on (1 s waits each).
    expect(requestLines().map((line) => line.status)).toEqual(Array(12).fill(200));
  }, 30_000);

  it('gives up with a retriable rate_limited error when retries run out', async () => {
    const limited = await startFake({ rateLimit: { perSecond: 0.2, burst: 1 } });
    const client = clientOf(limited, { maxRetries: 0 });
    expect((await client.listAllSubscriptions()).ok).toBe(true);
    const refused = await client.listAllSubscriptions();
    expect(refused).toMatchObject({
      ok: false,
      error: { code: 'rate_limited', status: 429, retriable: true, description: 'Too many requests' },
    });
    expect(requestLines().at(-1)).toMatchObject({ status: 429, retryAfterSeconds: 5 });
  });
});

describe('OkendoClient against the fake: errors Okendo documents', () => {
  it('answers 401 for a wrong key or user, naming what to check', async () => {
    for (const credentials of [
      new OkendoCredentials(userId, 'k'.repeat(32)),
      new OkendoCredentials(randomUUID(), apiKey),
    ]) {
      const answer = await clientOf(fake, { credentials }).listAllSubscriptions();
      expect(answer).toEqual({
        ok: false,
        error: {
          code: 'unauthorized',
          status: 401,
          description: 'Invalid credentials',
          retriable: false,
          method: 'GET',
          path: '/enterprise/webhook_subscriptions',
          message:
            'Okendo answered 401 to GET /enterprise/webhook_subscriptions: Invalid credentials; check OKENDO_USER_ID and OKENDO_API_KEY',
        },
      });
    }
  });

  it('answers 403 to a user whose key may not manage webhooks', async () => {
    const client = clientOf(fake, { credentials: new OkendoCredentials(forbiddenUserId, apiKey) });
    const answer = await client.createSubscription({
      endpointUrl: hook,
      isEnabled: true,
      subscriptions: reviewTopics,
    });
    expect(answer).toMatchObject({
      ok: false,
      error: { code: 'forbidden', status: 403, retriable: false },
    });
    expect(answer.ok ? '' : answer.error.message).toContain(
      'the API key may not manage webhook subscriptions',
    );
    expect(fake.subscriptionsSnapshot()).toEqual([]);
  });

  it('answers 404 for an unknown id to get, update, rotate and delete', async () => {
    const client = clientOf(fake);
    const missing = randomUUID();
    const answers = [
      await client.getSubscription(missing),
      await client.updateSubscription(missing, { isEnabled: false }),
      await client.rotateSecret(missing),
      await client.deleteSubscription(missing),
    ];
    for (const answer of answers)
      expect(answer).toMatchObject({
        ok: false,
        error: { code: 'not_found', status: 404, description: 'Webhook subscription not found' },
      });
  });

  it.each([
    [
      'a URL that is not http(s)',
      { endpointUrl: 'ftp://example.test/hook' },
      'endpointUrl must be an absolute http or https URL',
    ],
    [
      'a relative URL',
      { endpointUrl: '/webhooks/okendo' },
      'endpointUrl must be an absolute http or https URL',
    ],
    [
      'an unknown resourceType',
      { subscriptions: [{ resourceType: 'referral', topic: 'create' }] },
      'unknown resourceType "referral"',
    ],
    [
      'an unknown topic',
      { subscriptions: [{ resourceType: 'review', topic: 'upsert' }] },
      'unknown topic "upsert"',
    ],
    ['another version', { version: '2024-01-01' }, 'version must be 2025-02-01'],
    ['no subscriptions', { subscriptions: [] }, 'subscriptions must be a non-empty list'],
  ])('answers 422 with the description for %s', async (_, change, description) => {
    const answer = await clientOf(fake).createSubscription({
      endpointUrl: hook,
      isEnabled: true,
      subscriptions: reviewTopics,
      ...change,
    });
    expect(answer).toMatchObject({ ok: false, error: { code: 'invalid_request', status: 422, description } });
    expect(answer.ok ? '' : answer.error.message).toBe(
      `Okendo answered 422 to POST /enterprise/webhook_subscriptions: ${description}`,
    );
    expect(fake.subscriptionsSnapshot()).toEqual([]);
  });
});

describe('OkendoClient against the fake: the subscription lifecycle', () => {
  it('creates (the secret the fake signs with), updates, rotates and deletes', async () => {
    const own = await startFake();
    const client = clientOf(own);
    const created = await client.createSubscription({
      endpointUrl: hook,
      isEnabled: true,
      subscriptions: [
        { resourceType: 'review', topic: 'create' },
        { resourceType: 'survey_response', topic: 'create' },
        { resourceType: 'quiz_response', topic: 'update' },
      ],
    });
    if (!created.ok) throw new Error(created.error.message);
    const { webhookSecret, ...subscription } = created.value;
    const id = subscription.webhookSubscriptionId;
    expect(subscription).toMatchObject({ subscriberId: userId, endpointUrl: hook, version: '2025-02-01' });
    expect(own.currentSecrets(id)).toEqual([webhookSecret]);
    expect(await client.getSubscription(id)).toEqual({ ok: true, value: subscription });

    const updated = await client.updateSubscription(id, { isEnabled: false, endpointUrl: `${hook}/2` });
    expect(updated).toMatchObject({ ok: true, value: { isEnabled: false, endpointUrl: `${hook}/2` } });
    expect(own.subscriptionsSnapshot()).toEqual([updated.ok && updated.value]);
    expect(await client.updateSubscription(id, { subscriptions: [] })).toMatchObject({
      ok: false,
      error: { status: 422 },
    });

    const rotated = await client.rotateSecret(id);
    if (!rotated.ok) throw new Error(rotated.error.message);
    expect(own.currentSecrets(id)).toEqual([rotated.value.webhookSubscriptionSecret, webhookSecret]);

    expect(await client.deleteSubscription(id)).toEqual({ ok: true, value: undefined });
    expect(requestLines().at(-1)).toMatchObject({ method: 'DELETE', status: 204 });
    expect(await client.getSubscription(id)).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(own.subscriptionsSnapshot()).toEqual([]);
  });
});

describe('OkendoClient against the fake: secrecy', { timeout: 30_000 }, () => {
  it('shows the API key, its Basic form and webhook secrets in no log line of either side and no error', async () => {
    const limited = await startFake({ rateLimit: { perSecond: 2, burst: 1 } });
    const errors: unknown[] = [];
    const keep = <T extends { ok: boolean }>(answer: T): T => {
      if (!answer.ok) errors.push(answer);
      return answer;
    };
    const client = clientOf(limited, { maxRetries: 0 });
    const patient = clientOf(limited);
    const created = keep(
      await patient.createSubscription({ endpointUrl: hook, isEnabled: true, subscriptions: reviewTopics }),
    );
    const id = created.ok ? created.value.webhookSubscriptionId : '';
    const rotated = keep(await patient.rotateSecret(id));
    keep(await client.listAllSubscriptions()); // 429: its burst of 1 was spent just now
    keep(
      await clientOf(limited, { credentials: new OkendoCredentials(userId, 'x'.repeat(32)) }).getSubscription(
        id,
      ),
    );
    keep(
      await clientOf(limited, {
        credentials: new OkendoCredentials(forbiddenUserId, apiKey),
      }).getSubscription(id),
    );
    keep(await patient.getSubscription(randomUUID()));
    keep(await patient.createSubscription({ endpointUrl: 'mailto:x', isEnabled: true, subscriptions: [] }));
    keep(
      await clientOf(fake, { baseUrl: 'http://127.0.0.1:9/enterprise', maxRetries: 0 }).getSubscription(id),
    );

    const statuses = errors.map(
      (e) => (e as { error: { status?: number; code: string } }).error.status ?? 'network',
    );
    expect(statuses).toEqual([429, 401, 403, 404, 422, 'network']);
    const secrets = [
      created.ok ? created.value.webhookSecret : 'missing',
      rotated.ok ? rotated.value.webhookSubscriptionSecret : 'missing',
    ];
    const shown = [...fakeLog, JSON.stringify(clientLog), JSON.stringify(errors)].join('\n');
    expect(fakeLog.length).toBeGreaterThanOrEqual(8);
    for (const hidden of [apiKey, basicAuth, ...secrets]) expect(shown).not.toContain(hidden);
  });
});
