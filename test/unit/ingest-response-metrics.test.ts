/**
 * The ingest's per-status answer counter and response-time histogram (what the console's health page reads
 * for error frequency, success rate and p50/p99), through the app over a KafkaPublisher on a fake kafkajs
 * Producer: webhook answers are counted by HTTP status, /metrics and the probes are not.
 */
import { buildIngestApp, KafkaPublisher, loadIngestConfig } from '@okendo/ingest';
import { FIXTURES } from '@okendo/schemas';
import type { Producer } from 'kafkajs';
import { expect, it } from 'vitest';
import { newWebhookSecret, signedHeaders } from '../harness/webhook-signer.js';

const secret = newWebhookSecret();

const fakeProducer = (): Producer =>
  ({
    connect: async () => undefined,
    disconnect: async () => undefined,
    sendBatch: async () => [],
  }) as unknown as Producer;

/** The value of one series in a /metrics text, 0 when absent. */
function value(metrics: string, series: string): number {
  const line = metrics.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

it('counts webhook answers by HTTP status and times them; other paths are not counted', async () => {
  const config = loadIngestConfig({ KAFKA_BROKERS: 'fake:9092', OKENDO_WEBHOOK_SECRETS: secret });
  const publisher = new KafkaPublisher(
    { newProducer: fakeProducer, probe: async () => undefined },
    {
      publishTimeoutMs: 2_000,
      maxQueuedMessages: 100,
      maxBatchMessages: 100,
      maxBatchBytes: 1_000_000,
      reconnect: { initialBackoffMs: 60_000, maxBackoffMs: 60_000 },
    },
  );
  await publisher.start();
  const { app } = buildIngestApp({ config, publisher, logger: false });
  try {
    const fixture = FIXTURES[0];
    if (fixture === undefined) throw new Error('no fixture');
    const post = (headers: Record<string, string>) =>
      app.inject({ method: 'POST', url: '/webhooks/okendo', headers, payload: fixture.body });
    expect((await post(signedHeaders(secret, fixture.body))).statusCode).toBe(200);
    expect((await post(signedHeaders(secret, fixture.body))).statusCode).toBe(200);
    expect((await post(signedHeaders(newWebhookSecret(), fixture.body))).statusCode).toBe(401);
    expect((await post({ 'content-type': 'application/json' })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/webhooks/okendo' })).statusCode).toBe(405);
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    await app.inject({ method: 'GET', url: '/metrics' });
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(value(metrics, 'ingest_responses_total{status="200"}')).toBe(2);
    expect(value(metrics, 'ingest_responses_total{status="401"}')).toBe(2);
    expect(value(metrics, 'ingest_responses_total{status="405"}')).toBe(1);
    expect(value(metrics, 'ingest_response_duration_seconds_count')).toBe(5);
    expect(value(metrics, 'ingest_response_duration_seconds_bucket{le="+Inf"}')).toBe(5);
  } finally {
    await app.close();
    await publisher.close();
  }
});
