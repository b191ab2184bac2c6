/**
 * The publisher's rules without a broker: a fake kafkajs Producer over an in-memory "broker" that can be down,
 * hang, or refuse records over a per-topic size, the way Kafka does (it writes the partitions that fit and
 * answers MESSAGE_TOO_LARGE for the one that does not).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  buildIngestApp,
  KafkaPublisher,
  loadIngestConfig,
  type OutgoingMessage,
  PublishError,
  type PublisherOptions,
} from '@okendo/ingest';
import type { Producer, ProducerBatch } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { newWebhookSecret, signedHeaders } from '../harness/webhook-signer.js';

class FakeBroker {
  up = true;
  /** Answers nothing while set (a broker that accepts connections but does not respond). */
  hanging: Promise<void> | undefined;
  release: () => void = () => undefined;
  readonly maxValueBytes = new Map<string, number>();
  refusalType = 'MESSAGE_TOO_LARGE';
  readonly stored: OutgoingMessage[] = [];
  readonly batches: number[] = [];
  producersCreated = 0;
  producersDisconnected = 0;
  probes = 0;

  hang(): void {
    this.hanging = new Promise((resolve) => {
      this.release = () => {
        this.hanging = undefined;
        resolve();
      };
    });
  }

  producer(): Producer {
    this.producersCreated += 1;
    const fake = {
      connect: async () => {
        if (!this.up)
          throw Object.assign(new Error('connect ECONNREFUSED'), { name: 'KafkaJSConnectionError' });
      },
      disconnect: async () => {
        this.producersDisconnected += 1;
      },
      sendBatch: async (batch: ProducerBatch) => {
        if (this.hanging) await this.hanging;
        if (!this.up)
          throw Object.assign(new Error('connect ECONNREFUSED'), { name: 'KafkaJSConnectionError' });
        const messages = (batch.topicMessages ?? []).flatMap(({ topic, messages }) =>
          messages.map((m) => ({ topic, key: String(m.key), value: m.value as Buffer })),
        );
        this.batches.push(messages.length);
        let refused = false;
        for (const message of messages) {
          const limit = this.maxValueBytes.get(message.topic);
          if (limit !== undefined && message.value.length > limit) refused = true;
          else this.stored.push(message);
        }
        if (refused) {
          throw Object.assign(new Error('The request included a message larger than the max message size'), {
            name: 'KafkaJSProtocolError',
            type: this.refusalType,
            retriable: false,
          });
        }
        return [];
      },
    };
    return fake as unknown as Producer;
  }

  async probe(): Promise<void> {
    this.probes += 1;
    if (!this.up) throw new Error('no broker answered');
  }
}

const open: KafkaPublisher[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
});

function publisherOn(broker: FakeBroker, options: Partial<PublisherOptions> = {}): KafkaPublisher {
  const publisher = new KafkaPublisher(
    { newProducer: () => broker.producer(), probe: () => broker.probe() },
    {
      publishTimeoutMs: 2_000,
      maxQueuedMessages: 1_000,
      maxBatchMessages: 1_000,
      maxBatchBytes: 1_000_000,
      reconnect: { initialBackoffMs: 60_000, maxBackoffMs: 60_000 },
      ...options,
    },
  );
  open.push(publisher);
  return publisher;
}

const message = (i: number, bytes = 10, topic = 't.review'): OutgoingMessage => ({
  topic,
  key: `k${i}`,
  value: Buffer.alloc(bytes, i % 256),
});

async function failureOf(promise: Promise<void>): Promise<PublishError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof PublishError)) throw new Error(`expected a PublishError, got ${String(error)}`);
  return error;
}

/** Polls until the condition holds (a bounded wait, not a timing assertion). */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400 && !condition(); i++) await sleep(10);
  if (!condition()) throw new Error(`gave up waiting for ${what}`);
}

describe('KafkaPublisher', () => {
  it('group-commits concurrent messages into one sendBatch', async () => {
    const broker = new FakeBroker();
    const publisher = publisherOn(broker);
    await publisher.start();
    await Promise.all(Array.from({ length: 50 }, (_, i) => publisher.publish(message(i))));
    expect(broker.batches).toEqual([50]);
    expect(broker.stored.map((m) => m.key)).toEqual(Array.from({ length: 50 }, (_, i) => `k${i}`));
  });

  it('fails a message the broker does not acknowledge in time, and says so in health', async () => {
    const broker = new FakeBroker();
    const publisher = publisherOn(broker, { publishTimeoutMs: 50 });
    await publisher.start();
    broker.hang();
    const error = await failureOf(publisher.publish(message(1)));
    expect(error).toMatchObject({ code: 'publish_timeout', retriable: true });
    expect(publisher.health(Date.now() + 1_000)).toMatchObject({ healthy: false });
    expect(publisher.health(Date.now() + 1_000).reason).toMatch(/a batch has waited/);
    broker.release();
  });

  it('refuses at once beyond the queue bound', async () => {
    const broker = new FakeBroker();
    const publisher = publisherOn(broker, { maxQueuedMessages: 2 });
    await publisher.start();
    broker.hang();
    const first = publisher.publish(message(1));
    const second = publisher.publish(message(2));
    expect(await failureOf(publisher.publish(message(3)))).toMatchObject({ code: 'overloaded' });
    broker.release();
    await Promise.all([first, second]);
  });

  it('replaces the producer after a failed batch', async () => {
    const broker = new FakeBroker();
    const publisher = publisherOn(broker);
    await publisher.start();
    broker.up = false;
    const error = await failureOf(publisher.publish(message(1)));
    expect(error).toMatchObject({ code: 'kafka_error', retriable: true });
    expect(broker.producersDisconnected).toBe(1);
    broker.up = true;
    await publisher.publish(message(2));
    expect(broker.producersCreated).toBe(2);
    expect(publisher.health()).toEqual({ healthy: true });
  });

  it('heals its health in the background once the broker answers the probe, with no traffic', async () => {
    const broker = new FakeBroker();
    const publisher = publisherOn(broker, { reconnect: { initialBackoffMs: 5, maxBackoffMs: 20 } });
    await publisher.start();
    broker.up = false;
    await failureOf(publisher.publish(message(1)));
    expect(publisher.health().reason).toMatch(/^last publish failed: KafkaJSConnectionError/);
    await until(() => broker.probes + broker.producersCreated > 4, 'reconnect attempts');
    expect(publisher.health().reason).toMatch(/reconnect attempt\(s\) failed/);
    const batchesBefore = broker.batches.length;
    broker.up = true;
    await until(() => publisher.health().healthy, 'healthy');
    // Healed by connecting and probing only: nothing was written to a data topic.
    expect(broker.batches.length).toBe(batchesBefore);
    expect(broker.stored).toEqual([]);
  });

  it('stops reconnecting on close', async () => {
    const broker = new FakeBroker();
    const publisher = publisherOn(broker, { reconnect: { initialBackoffMs: 5, maxBackoffMs: 5 } });
    await publisher.start();
    broker.up = false;
    await failureOf(publisher.publish(message(1)));
    await until(() => broker.producersCreated > 2, 'reconnect attempts');
    await publisher.close();
    const created = broker.producersCreated;
    await sleep(50);
    expect(broker.producersCreated).toBe(created);
  });

  it('isolates a message the broker refuses as too large: its batch-mates are stored', async () => {
    const broker = new FakeBroker();
    // As when the topic's limit was lowered after start-up: the publisher does not know it.
    broker.maxValueBytes.set('t.review', 100);
    const publisher = publisherOn(broker);
    await publisher.start();
    const small = Array.from({ length: 7 }, (_, i) => publisher.publish(message(i)));
    const large = publisher.publish(message(99, 500));
    await Promise.all(small);
    const error = await failureOf(large);
    expect(error).toMatchObject({ code: 'message_too_large', retriable: false });
    expect(error.message).toMatch(/topic t\.review refused the event/);
    const keys = new Set(broker.stored.map((m) => m.key));
    for (let i = 0; i < 7; i++) expect(keys.has(`k${i}`)).toBe(true);
    expect(keys.has('k99')).toBe(false);
    // A refusal is an answer from a working broker, not an outage.
    expect(publisher.health()).toEqual({ healthy: true });
  });

  it('maps another refusal of one record to message_refused, still sparing its batch-mates', async () => {
    const broker = new FakeBroker();
    broker.maxValueBytes.set('t.review', 100);
    broker.refusalType = 'INVALID_RECORD';
    const publisher = publisherOn(broker);
    await publisher.start();
    const small = publisher.publish(message(1));
    const refused = failureOf(publisher.publish(message(2, 500)));
    await small;
    expect(await refused).toMatchObject({ code: 'message_refused', retriable: false });
  });

  it('refuses before sending a message larger than its topic accepts', async () => {
    const broker = new FakeBroker();
    const publisher = publisherOn(broker, { maxMessageBytes: new Map([['t.review', 500]]) });
    await publisher.start();
    const error = await failureOf(publisher.publish(message(1, 1_000)));
    expect(error).toMatchObject({ code: 'message_too_large' });
    expect(error.message).toMatch(/topic t\.review accepts 500/);
    expect(broker.batches).toEqual([]);
    await publisher.publish(message(2, 100));
  });

  it('bounds a batch in bytes', async () => {
    const broker = new FakeBroker();
    // Room for the batch header and three records of 100-byte values.
    const publisher = publisherOn(broker, { maxBatchBytes: 61 + 3 * (32 + 2 + 100) });
    await publisher.start();
    await Promise.all(Array.from({ length: 10 }, (_, i) => publisher.publish(message(i, 100))));
    expect(broker.batches.every((n) => n <= 3)).toBe(true);
    expect(broker.batches.reduce((a, b) => a + b, 0)).toBe(10);
    expect(broker.stored.map((m) => m.key)).toEqual(Array.from({ length: 10 }, (_, i) => `k${i}`));
  });
});

describe('the ingest over the publisher: answers and logs carry codes, never payload values', () => {
  const email = 'jane.private@example.com';
  const secret = newWebhookSecret();
  const body = JSON.stringify({
    resourceType: 'review',
    topic: 'create',
    sequenceNumber: '7',
    version: '2025-02-01',
    resource: { reviewId: 'r-log-1', reviewer: { email }, body: `Secret text ${'x'.repeat(600)}` },
  });

  async function ingestOn(broker: FakeBroker, maxMessageBytes?: ReadonlyMap<string, number>) {
    const lines: string[] = [];
    const config = loadIngestConfig({ KAFKA_BROKERS: 'fake:9092', OKENDO_WEBHOOK_SECRETS: secret });
    const publisher = publisherOn(broker, maxMessageBytes === undefined ? {} : { maxMessageBytes });
    await publisher.start();
    const { app } = buildIngestApp({
      config,
      publisher,
      logger: { level: 'debug', stream: { write: (line) => lines.push(line) } },
    });
    const post = () =>
      app.inject({
        method: 'POST',
        url: '/webhooks/okendo',
        headers: signedHeaders(secret, body),
        payload: body,
      });
    return { app, lines, post };
  }

  const expectNoPayload = (texts: readonly string[]) => {
    for (const text of texts) {
      expect(text).not.toContain(email);
      expect(text).not.toContain('Secret text');
    }
  };

  it('503 while the broker is down; /readyz explains with the error, not the event', async () => {
    const broker = new FakeBroker();
    const { app, lines, post } = await ingestOn(broker);
    broker.up = false;
    const answer = await post();
    expect(answer.statusCode).toBe(503);
    expect(answer.json()).toMatchObject({ error: { code: 'kafka_unavailable' } });
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expectNoPayload([answer.body, ready.body, ...lines]);
    expect(lines.some((line) => line.includes('"code":"kafka_unavailable"'))).toBe(true);
    // The broker's own words (addresses) are for the operator's log, not for the sender.
    expect(answer.body).not.toContain('ECONNREFUSED');
    expect(lines.some((line) => line.includes('ECONNREFUSED'))).toBe(true);
    await app.close();
  });

  it('413 body_too_large when the event cannot fit its topic, refused by the broker or before', async () => {
    const refusing = new FakeBroker();
    refusing.maxValueBytes.set('okendo.review', 300);
    const byBroker = await ingestOn(refusing);
    const refused = await byBroker.post();
    expect(refused.statusCode).toBe(413);
    expect(refused.json()).toMatchObject({ error: { code: 'body_too_large' } });

    const knowing = await ingestOn(new FakeBroker(), new Map([['okendo.review', 300]]));
    const early = await knowing.post();
    expect(early.statusCode).toBe(413);
    expect(early.json().error.message).toMatch(/topic okendo\.review accepts 300/);
    expectNoPayload([refused.body, early.body, ...byBroker.lines, ...knowing.lines]);
    await byBroker.app.close();
    await knowing.app.close();
  });
});
