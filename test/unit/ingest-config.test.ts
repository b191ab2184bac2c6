import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BodyLimitError,
  ConfigError,
  checkBodyLimitFits,
  describeConfig,
  ENVELOPE_OVERHEAD_BYTES,
  INGEST_ERRORS,
  loadIngestConfig,
  publishedTopics,
  RecentMessageIds,
  soloBatchBytes,
} from '@okendo/ingest';
import { envelopeCodec } from '@okendo/schemas';
import { describe, expect, it } from 'vitest';
import { newWebhookSecret } from '../harness/webhook-signer.js';

const secret = newWebhookSecret();

function problemsOf(env: NodeJS.ProcessEnv): readonly string[] {
  try {
    loadIngestConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('loadIngestConfig', () => {
  it('applies the documented defaults and freezes the result', () => {
    const config = loadIngestConfig({ KAFKA_BROKERS: 'a:9092, b:9092', OKENDO_WEBHOOK_SECRETS: secret });
    expect(config).toMatchObject({
      kafka: { brokers: ['a:9092', 'b:9092'], ssl: false },
      port: 8080,
      bodyLimitBytes: 1_000_000,
      reconnectInitialBackoffMs: 250,
      reconnectMaxBackoffMs: 5_000,
      timestampToleranceSeconds: 300,
      topicPrefix: 'okendo.',
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('names every bad key at once, with what was expected', () => {
    const problems = problemsOf({
      INGEST_PORT: '80a',
      INGEST_BODY_LIMIT_BYTES: '',
      INGEST_PUBLISH_TIMEOUT_MS: '20000',
      INGEST_ENSURE_TOPICS: 'maybe',
      LOG_LEVEL: 'loud',
    });
    expect(problems.join('\n')).toMatch(/KAFKA_BROKERS: required/);
    expect(problems.join('\n')).toMatch(/OKENDO_WEBHOOK_SECRETS: required/);
    expect(problems.join('\n')).toMatch(/INGEST_PORT: expected a whole number from 0 to 65535, got "80a"/);
    expect(problems.join('\n')).toMatch(
      /INGEST_PUBLISH_TIMEOUT_MS: expected a whole number from 100 to 12000/,
    );
    expect(problems.join('\n')).toMatch(/INGEST_ENSURE_TOPICS: expected true or false/);
    expect(problems.join('\n')).toMatch(/LOG_LEVEL: one of/);
  });

  it('wants a reconnect backoff cap no smaller than its first wait', () => {
    expect(
      problemsOf({
        KAFKA_BROKERS: 'a:1',
        OKENDO_WEBHOOK_SECRETS: secret,
        INGEST_RECONNECT_INITIAL_BACKOFF_MS: '2000',
        INGEST_RECONNECT_MAX_BACKOFF_MS: '1000',
      }),
    ).toEqual([
      'INGEST_RECONNECT_MAX_BACKOFF_MS: must be at least INGEST_RECONNECT_INITIAL_BACKOFF_MS (2000)',
    ]);
  });

  it('never echoes a secret, valid or not', () => {
    const bad = 'whsec_!!notbase64-but-secret';
    const problems = problemsOf({ KAFKA_BROKERS: 'a:1', OKENDO_WEBHOOK_SECRETS: `${secret},${bad}` });
    expect(problems).toEqual(['OKENDO_WEBHOOK_SECRETS secret #2 is not valid base64 after "whsec_"']);
    const config = loadIngestConfig({ KAFKA_BROKERS: 'a:1', OKENDO_WEBHOOK_SECRETS: secret });
    expect(JSON.stringify(describeConfig(config))).not.toContain(secret.slice(6));
  });

  it('reads per-source secrets from a file', async () => {
    const file = join(tmpdir(), `sources-${process.pid}.json`);
    await writeFile(file, JSON.stringify({ 'store-eu': [secret], 'Bad Name': [secret] }));
    expect(problemsOf({ KAFKA_BROKERS: 'a:1', OKENDO_WEBHOOK_SOURCES_FILE: file })).toEqual([
      'OKENDO_WEBHOOK_SOURCES_FILE: source #2: its name must match /^[a-z0-9][a-z0-9_-]{0,62}$/',
    ]);
    await writeFile(file, JSON.stringify({ 'store-eu': [secret, newWebhookSecret()] }));
    const config = loadIngestConfig({ KAFKA_BROKERS: 'a:1', OKENDO_WEBHOOK_SOURCES_FILE: file });
    expect(config.sources.get('store-eu')).toHaveLength(2);
    expect(config.sources.has('default')).toBe(false);
  });
});

describe('checkBodyLimitFits', () => {
  it('accepts the default body limit on topics with the broker default max.message.bytes', () => {
    const config = loadIngestConfig({ KAFKA_BROKERS: 'a:1', OKENDO_WEBHOOK_SECRETS: secret });
    const topics = new Map(publishedTopics('okendo.').map((topic) => [topic, 1_048_588]));
    expect(() => checkBodyLimitFits(config.bodyLimitBytes, topics)).not.toThrow();
  });

  it('names each topic that cannot take a full body once wrapped, with both figures and the fix', () => {
    const limits = new Map([
      ['okendo.review', 1_048_588],
      ['okendo.unrouted', 100_000],
    ]);
    expect(() => checkBodyLimitFits(100_000, limits)).toThrow(BodyLimitError);
    expect(() => checkBodyLimitFits(100_000, limits)).toThrow(
      `INGEST_BODY_LIMIT_BYTES=100000 needs topics that accept ${100_000 + ENVELOPE_OVERHEAD_BYTES} bytes`,
    );
    expect(() => checkBodyLimitFits(100_000, limits)).toThrow(
      `okendo.unrouted (max.message.bytes=100000) cannot: lower INGEST_BODY_LIMIT_BYTES to at most ${100_000 - ENVELOPE_OVERHEAD_BYTES}`,
    );
    expect(() => checkBodyLimitFits(100_000 - ENVELOPE_OVERHEAD_BYTES, limits)).not.toThrow();
  });

  it('bounds a real envelope with the largest ids the ingest accepts', () => {
    const entityId = 'e'.repeat(256);
    const value = envelopeCodec.encode({
      messageId: '\u00e9'.repeat(256), // header text is latin1: at most 2 UTF-8 bytes a character
      senderTimestamp: 2n ** 40n,
      receivedAtMs: 2n ** 50n,
      source: 's'.repeat(63),
      resourceType: 'loyalty_redemption_transaction',
      topic: 'update',
      sequenceNumber: 2n ** 63n - 1n,
      version: 'v'.repeat(300),
      subscriberId: 'u'.repeat(300),
      entityId,
      rawBody: Buffer.alloc(10_000),
    });
    expect(soloBatchBytes(entityId, value) - 10_000).toBeLessThanOrEqual(ENVELOPE_OVERHEAD_BYTES);
  });
});

describe('INGEST_ERRORS', () => {
  it('keeps each code on its documented status', () => {
    const statuses = Object.fromEntries(
      Object.entries(INGEST_ERRORS).map(([code, { status }]) => [code, status]),
    );
    expect(statuses).toEqual({
      missing_headers: 401,
      invalid_timestamp: 401,
      timestamp_too_old: 401,
      timestamp_in_future: 401,
      no_valid_signature: 401,
      unknown_source: 404,
      not_found: 404,
      method_not_allowed: 405,
      body_too_large: 413,
      unsupported_media_type: 415,
      bad_request: 400,
      request_timeout: 408,
      headers_too_large: 431,
      kafka_unavailable: 503,
      kafka_refused: 500,
      internal_error: 500,
    });
  });
});

describe('RecentMessageIds', () => {
  it('remembers ids for the window, then forgets them', () => {
    const ids = new RecentMessageIds(1_000, 10);
    ids.remember('a', 0);
    expect(ids.has('a', 999)).toBe(true);
    expect(ids.has('a', 1_000)).toBe(false);
  });

  it('keeps at most maxEntries, dropping the oldest', () => {
    const ids = new RecentMessageIds(60_000, 3);
    for (const [i, id] of ['a', 'b', 'c', 'd'].entries()) ids.remember(id, i);
    expect(ids.size).toBe(3);
    expect(ids.has('a', 10)).toBe(false);
    expect(ids.has('d', 10)).toBe(true);
  });

  it('keeps an id remembered again until its newest entry is the oldest', () => {
    const ids = new RecentMessageIds(60_000, 3);
    for (const [i, id] of ['a', 'b', 'a', 'c'].entries()) ids.remember(id, i);
    expect(['a', 'b', 'c'].map((id) => ids.has(id, 10))).toEqual([true, true, true]);
    ids.remember('d', 5);
    expect(['a', 'b', 'c', 'd'].map((id) => ids.has(id, 10))).toEqual([true, false, true, true]);
    ids.remember('e', 6);
    expect(ids.has('a', 10)).toBe(false);
    expect(ids.size).toBe(3);
  });

  it('keeps every id within maxEntries across the growth of its ring', () => {
    const ids = new RecentMessageIds(60_000, 5_000);
    for (let i = 0; i < 5_000; i++) ids.remember(`m${i}`, i);
    expect(ids.size).toBe(5_000);
    expect(Array.from({ length: 5_000 }, (_, i) => ids.has(`m${i}`, 5_000)).every(Boolean)).toBe(true);
    ids.remember('m5000', 5_000);
    expect([ids.has('m0', 5_000), ids.has('m1', 5_000), ids.has('m5000', 5_000)]).toEqual([
      false,
      true,
      true,
    ]);
  });

  it('keeps every id when its ring grows while wrapped around', () => {
    const ids = new RecentMessageIds(1_000, 5_000);
    for (let i = 0; i < 600; i++) ids.remember(`old${i}`, 0);
    // All expired by now: the ring's oldest slot moves on, the new ids wrap around its end, then it grows.
    for (let i = 0; i < 2_000; i++) ids.remember(`new${i}`, 2_000);
    expect(ids.size).toBe(2_000);
    expect(Array.from({ length: 2_000 }, (_, i) => ids.has(`new${i}`, 2_500)).every(Boolean)).toBe(true);
    expect(ids.has('old0', 2_500)).toBe(false);
    // Once they all expire, every one of them is forgotten (the map follows the ring's moved slots).
    ids.remember('later', 10_000);
    expect(ids.size).toBe(1);
  });

  it('drops expired ids when remembering, so the map does not hold the whole window at low traffic', () => {
    const ids = new RecentMessageIds(1_000, 10);
    ids.remember('a', 0);
    ids.remember('b', 500);
    ids.remember('c', 1_200);
    expect(ids.size).toBe(2);
    expect([ids.has('a', 1_200), ids.has('b', 1_200), ids.has('c', 1_200)]).toEqual([false, true, true]);
  });

  it('is off with a zero window', () => {
    const ids = new RecentMessageIds(0, 3);
    ids.remember('a', 0);
    expect(ids.has('a', 0)).toBe(false);
  });
});
