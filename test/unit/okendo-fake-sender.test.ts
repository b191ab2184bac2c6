/**
 * The Okendo fake's webhook sender against a small node:http receiver, its signatures checked with the svix
 * library (independent of the fake's signing): fan-out to matching subscriptions, the same webhook-id on every
 * retry, retries after a non-2xx or no answer within deliveryTimeoutMs, giving up, disabled subscriptions, and
 * the secrets during and after a rotation's grace. Subscriptions are managed through the real client.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OkendoClient, OkendoCredentials } from '@okendo/okendo-api';
import { Webhook } from 'svix';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeOkendo, type FakeOkendoOptions } from '../okendo-fake/fake-okendo.js';
import { onlyOf, type PlannedDelivery, planDeliveries } from '../traffic/planned-deliveries.js';

const userId = randomUUID();
const apiKey = randomBytes(16).toString('hex');

interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** A webhook endpoint whose answer per request a test scripts: a status, or 'hang' (never answers). */
class Receiver {
  readonly received: Received[] = [];
  respond: (request: Received, index: number) => number | 'hang' = () => 200;
  url = '';
  readonly #hanging: ServerResponse[] = [];
  readonly #server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const headers = Object.fromEntries(
      ['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((name) => [
        name,
        String(request.headers[name] ?? ''),
      ]),
    );
    const received = { path: request.url ?? '', headers, body: Buffer.concat(chunks).toString('utf8') };
    this.received.push(received);
    const answer = this.respond(received, this.received.length - 1);
    if (answer === 'hang') this.#hanging.push(response);
    else response.writeHead(answer).end();
  });

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  on(path: string): Received[] {
    return this.received.filter((request) => request.path === path);
  }

  async stop(): Promise<void> {
    for (const response of this.#hanging) response.destroy();
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await closed;
  }
}

const cleanup: Array<() => Promise<void>> = [];
const fakeLog: string[] = [];
afterEach(async () => {
  for (const stop of cleanup.splice(0).reverse()) await stop();
  fakeLog.length = 0;
});

async function setUp(options: Partial<FakeOkendoOptions> = {}) {
  const receiver = await new Receiver().start();
  cleanup.push(() => receiver.stop());
  const fake = await FakeOkendo.start({
    userId,
    apiKey,
    rateLimit: false,
    retryScheduleMs: [0, 20, 20, 20],
    log: (line) => fakeLog.push(line),
    ...options,
  });
  cleanup.push(() => fake.stop());
  const client = new OkendoClient({
    credentials: new OkendoCredentials(userId, apiKey),
    baseUrl: fake.url,
    rateLimit: { requestsPerSecond: 1_000, burst: 10 },
  });
  const subscribe = async (path: string, resourceType = 'review', topic = 'create') => {
    const created = await client.createSubscription({
      endpointUrl: `${receiver.url}${path}`,
      isEnabled: true,
      subscriptions: [{ resourceType, topic }],
    });
    if (!created.ok) throw new Error(created.error.message);
    return { id: created.value.webhookSubscriptionId, secret: created.value.webhookSecret };
  };
  return { receiver, fake, client, subscribe };
}

let run = 0;
/** One review create with ids unique to the call. */
function reviewCreate(): PlannedDelivery {
  run += 1;
  const [delivery] = planDeliveries({
    prefix: `sender${run}`,
    entities: 1,
    maxVersionsPerEntity: 1,
    deleteRatio: 0,
    mix: onlyOf('review'),
    seed: run,
  });
  if (delivery === undefined) throw new Error('no delivery planned');
  return delivery;
}

/** Whether svix accepts the request as signed with this secret. */
function verifies(secret: string, request: Received): boolean {
  try {
    new Webhook(secret).verify(request.body, request.headers);
    return true;
  } catch {
    return false;
  }
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !condition(); waited += 5) {
    if (waited > 10_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const statusesOf = (fake: FakeOkendo, subscriptionId: string) =>
  fake
    .attempts()
    .filter((attempt) => attempt.subscriptionId === subscriptionId)
    .map((attempt) => attempt.status);

/** No log line carries a secret, the body or the payload's email. */
function expectCleanLog(secrets: readonly string[], bodies: readonly string[]) {
  const log = fakeLog.join('\n');
  expect(fakeLog.length).toBeGreaterThan(0);
  for (const secret of secrets) expect(log).not.toContain(secret);
  for (const body of bodies) {
    expect(log).not.toContain(body);
    for (const email of body.match(/[\w.+-]+@[\w-]+\.[\w.]+/g) ?? []) expect(log).not.toContain(email);
  }
}

describe('FakeOkendo sender', { timeout: 30_000 }, () => {
  it('sends to every matching subscription, with the same webhook-id on each retry after a non-2xx', async () => {
    const { receiver, fake, subscribe } = await setUp();
    const a = await subscribe('/a');
    const b = await subscribe('/b');
    await subscribe('/c', 'loyalty_customer', 'create');
    // /a refuses its first two requests (counted on /a alone: /b's run concurrently)
    receiver.respond = (request) =>
      request.path === '/a' ? ([500, 503][receiver.on('/a').length - 1] ?? 200) : 200;
    const delivery = reviewCreate();
    expect(delivery.body).toMatch(/@/);
    fake.emit([delivery]);
    await fake.idle();

    expect(statusesOf(fake, a.id)).toEqual([500, 503, 200]);
    expect(statusesOf(fake, b.id)).toEqual([200]);
    expect(receiver.on('/c')).toEqual([]);
    for (const [path, secret, count] of [
      ['/a', a.secret, 3],
      ['/b', b.secret, 1],
    ] as const) {
      const requests = receiver.on(path);
      expect(requests).toHaveLength(count);
      for (const request of requests) {
        expect(request.headers['webhook-id']).toBe(delivery.messageId);
        expect(request.body).toBe(delivery.body);
        expect(verifies(secret, request)).toBe(true);
      }
    }
    expect(verifies(b.secret, receiver.on('/a')[0] as Received)).toBe(false);
    expectCleanLog([a.secret, b.secret, apiKey], [delivery.body]);
  });

  it('counts no answer within deliveryTimeoutMs as a failed attempt and retries it', async () => {
    const { receiver, fake, subscribe } = await setUp({ deliveryTimeoutMs: 200 });
    const subscription = await subscribe('/slow');
    receiver.respond = (_, index) => (index === 0 ? 'hang' : 200);
    const delivery = reviewCreate();
    fake.emit([delivery]);
    await fake.idle();
    expect(statusesOf(fake, subscription.id)).toEqual(['timeout', 200]);
    expect(receiver.received.map((request) => request.headers['webhook-id'])).toEqual([
      delivery.messageId,
      delivery.messageId,
    ]);
  });

  it('gives up after the schedule’s last delay, and records no answer at all as network', async () => {
    const { receiver, fake, client, subscribe } = await setUp({ retryScheduleMs: [0, 10, 10] });
    const refusing = await subscribe('/refusing');
    receiver.respond = () => 503;
    const gone = await client.createSubscription({
      endpointUrl: 'http://127.0.0.1:9/nothing-listens',
      isEnabled: true,
      subscriptions: [{ resourceType: 'review', topic: 'create' }],
    });
    if (!gone.ok) throw new Error(gone.error.message);
    fake.emit([reviewCreate()]);
    await fake.idle();
    expect(statusesOf(fake, refusing.id)).toEqual([503, 503, 503]);
    expect(statusesOf(fake, gone.value.webhookSubscriptionId)).toEqual(['network', 'network', 'network']);
    const gaveUp = fakeLog
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((l) => l['event'] === 'gave_up');
    expect(gaveUp).toHaveLength(2);
    expect(gaveUp[0]).toMatchObject({ attempts: 3 });
  });

  it('sends a disabled subscription nothing new, and holds its waiting retry until it is enabled', async () => {
    const { receiver, fake, client, subscribe } = await setUp({ retryScheduleMs: [0, 400] });
    const subscription = await subscribe('/toggled');
    receiver.respond = (_, index) => (index === 0 ? 500 : 200);
    const waiting = reviewCreate();
    fake.emit([waiting]);
    await until(() => fake.attempts().length === 1, 'the first attempt');
    expect((await client.updateSubscription(subscription.id, { isEnabled: false })).ok).toBe(true);
    await fake.idle(); // the retry came due while disabled: held, so nothing is pending
    fake.emit([reviewCreate()]);
    await fake.idle();
    expect(receiver.received).toHaveLength(1);
    expect(fakeLog.some((line) => line.includes('"event":"held"'))).toBe(true);

    expect((await client.updateSubscription(subscription.id, { isEnabled: true })).ok).toBe(true);
    await until(() => fake.attempts().length === 2, 'the held retry');
    await fake.idle();
    expect(receiver.received.map((request) => request.headers['webhook-id'])).toEqual([
      waiting.messageId,
      waiting.messageId,
    ]);
    expect(statusesOf(fake, subscription.id)).toEqual([500, 200]);
  });

  it('after a rotation signs with both secrets for the grace, then with the new one only', async () => {
    const { receiver, fake, client, subscribe } = await setUp({ rotationGraceMs: 1_500 });
    const subscription = await subscribe('/rotating');
    const before = reviewCreate();
    fake.emit([before]);
    await fake.idle();

    const rotated = await client.rotateSecret(subscription.id);
    if (!rotated.ok) throw new Error(rotated.error.message);
    const newSecret = rotated.value.webhookSubscriptionSecret;
    const during = reviewCreate();
    fake.emit([during]);
    await fake.idle();

    await until(() => fake.currentSecrets(subscription.id).length === 1, 'the grace to end');
    expect(fake.currentSecrets(subscription.id)).toEqual([newSecret]);
    const after = reviewCreate();
    fake.emit([after]);
    await fake.idle();

    const [first, second, third] = receiver.received;
    if (!first || !second || !third) throw new Error('expected three deliveries');
    expect(
      [first, second, third].map((request) => (request.headers['webhook-signature'] ?? '').split(' ').length),
    ).toEqual([1, 2, 1]);
    expect(fake.attempts().map((attempt) => attempt.signedWith)).toEqual([1, 2, 1]);
    expect([verifies(subscription.secret, first), verifies(newSecret, first)]).toEqual([true, false]);
    expect([verifies(subscription.secret, second), verifies(newSecret, second)]).toEqual([true, true]);
    expect([verifies(subscription.secret, third), verifies(newSecret, third)]).toEqual([false, true]);
    expectCleanLog([subscription.secret, newSecret, apiKey], [before.body, during.body, after.body]);
  });
});
