/**
 * The ingest's secrets without a broker: the file reloader (snapshot swap, a bad file keeps the old keys,
 * logs name problems and never a value), and verification honouring notAfter at request time, through the
 * app over a KafkaPublisher on a fake kafkajs Producer.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type WebhookSourcesFile, writeWebhookSourcesFile } from '@okendo/common';
import {
  buildIngestApp,
  combineSources,
  KafkaPublisher,
  loadIngestConfig,
  SecretsFileReloader,
  SigningKeyStore,
  type SourceKeys,
} from '@okendo/ingest';
import { FIXTURES } from '@okendo/schemas';
import type { Producer } from 'kafkajs';
import { Counter, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newWebhookSecret, signedHeaders } from '../harness/webhook-signer.js';

const oldSecret = newWebhookSecret();
const newSecret = newWebhookSecret();
const envSecret = newWebhookSecret();

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ingest-secrets-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function reloaderFor(path: string, file: WebhookSourcesFile, envSources: SourceKeys = new Map()) {
  const combined = combineSources(envSources, file);
  if (!combined.ok) throw new Error(combined.problems.join('; '));
  const store = new SigningKeyStore(combined.sources);
  const registry = new Registry();
  const reloads = new Counter({ name: 'r', help: 'r', labelNames: ['outcome'], registers: [registry] });
  const lines: string[] = [];
  const log = {
    info: (fields: Record<string, unknown>, message: string) =>
      lines.push(JSON.stringify({ ...fields, message })),
    error: (fields: Record<string, unknown>, message: string) =>
      lines.push(JSON.stringify({ ...fields, message })),
  };
  const reloader = new SecretsFileReloader({ path, envSources, store, intervalMs: 50, reloads, log });
  const count = async (outcome: string) =>
    (await reloads.get()).values.find((v) => v.labels['outcome'] === outcome)?.value ?? 0;
  return { store, reloader, lines, count };
}

const labels = (sources: SourceKeys, name: string) => sources.get(name)?.map((k) => k.label);

describe('SecretsFileReloader', () => {
  it('swaps the whole snapshot; a snapshot taken before the reload is left as it was', async () => {
    const path = join(dir, 'swap.json');
    const before: WebhookSourcesFile = { 'shop-a': [{ secret: oldSecret, label: 'old' }] };
    await writeWebhookSourcesFile(path, before);
    const { store, reloader, count } = reloaderFor(path, before);
    const inFlight = store.current();
    await writeWebhookSourcesFile(path, {
      'shop-a': [
        { secret: oldSecret, label: 'old' },
        { secret: newSecret, label: 'new' },
      ],
      'shop-b': [{ secret: newSecret }],
    });
    expect(await reloader.reload()).toEqual({
      outcome: 'ok',
      sources: { 'shop-a': ['old', 'new'], 'shop-b': ['#1'] },
    });
    expect(labels(store.current(), 'shop-a')).toEqual(['old', 'new']);
    expect(labels(inFlight, 'shop-a')).toEqual(['old']);
    expect(inFlight.has('shop-b')).toBe(false);
    expect(await count('ok')).toBe(1);
  });

  it('keeps the previous keys when the new file is bad, and logs its problems without a value', async () => {
    const path = join(dir, 'bad.json');
    const good: WebhookSourcesFile = { 'shop-a': [{ secret: oldSecret, label: 'old' }] };
    await writeWebhookSourcesFile(path, good);
    const { store, reloader, lines, count } = reloaderFor(path, good, new Map([['default', []]]));
    const bads = [
      `{"shop-a": [{"secret": "${newSecret}", "label": "new"}`, // cut short
      JSON.stringify({ 'shop-a': [{ secret: newSecret, label: newSecret }] }),
      JSON.stringify({ 'shop-a': [newSecret, { secret: 'whsec_c2hvcnQ=' }] }),
      JSON.stringify({ default: [newSecret] }), // the env owns 'default'
    ];
    for (const text of bads) {
      await writeFile(path, text);
      const result = await reloader.reload();
      expect(result, text.slice(0, 30)).toMatchObject({ outcome: 'failed' });
      expect(labels(store.current(), 'shop-a')).toEqual(['old']);
    }
    await rm(path);
    expect(await reloader.reload()).toEqual({
      outcome: 'failed',
      problems: ['cannot read the file (ENOENT)'],
    });
    expect(labels(store.current(), 'shop-a')).toEqual(['old']);
    expect(await count('failed')).toBe(5);
    expect(lines.join('\n')).toContain('source shop-a entry #1: \\"label\\" must');
    expect(lines.join('\n')).toContain('source default is also configured by env');
    for (const line of lines) {
      expect(line).toContain('keeping the previous secrets');
      for (const secret of [oldSecret, newSecret, newSecret.slice(6, 20), 'c2hvcnQ'])
        expect(line).not.toContain(secret);
    }
  });

  it('picks up an atomically renamed file by polling', async () => {
    const path = join(dir, 'polled.json');
    const first: WebhookSourcesFile = { 'shop-a': [{ secret: oldSecret, label: 'old' }] };
    await writeWebhookSourcesFile(path, first);
    const { store, reloader } = reloaderFor(path, first);
    await reloader.watch();
    try {
      await writeWebhookSourcesFile(path, { 'shop-a': [{ secret: newSecret, label: 'new' }] });
      // A wait, not a timed assertion: polling stats every 50 ms here.
      for (let i = 0; i < 200 && labels(store.current(), 'shop-a')?.[0] !== 'new'; i++) await sleep(25);
      expect(labels(store.current(), 'shop-a')).toEqual(['new']);
    } finally {
      reloader.close();
    }
  });

  it('folds triggers that arrive during a reload into one more reload after it', async () => {
    const path = join(dir, 'burst.json');
    await writeWebhookSourcesFile(path, { a: [{ secret: oldSecret }] });
    const { store, reloader, count } = reloaderFor(path, { a: [{ secret: oldSecret }] });
    await writeWebhookSourcesFile(path, { a: [{ secret: newSecret, label: 'last' }] });
    const first = reloader.reload('sighup');
    const rest = [reloader.reload('poll'), reloader.reload('sighup'), reloader.reload('poll')];
    expect(new Set(rest).size).toBe(1);
    await Promise.all([first, ...rest]);
    expect(await count('ok')).toBe(2);
    expect(labels(store.current(), 'a')).toEqual(['last']);
  });
});

describe('loadIngestConfig with a secrets file', () => {
  const problemsOf = (env: NodeJS.ProcessEnv): readonly string[] => {
    try {
      loadIngestConfig(env);
      return [];
    } catch (error) {
      return (error as { problems?: readonly string[] }).problems ?? [String(error)];
    }
  };

  it('starts with a file that does not exist yet (the CLI creates it), and no env secrets', () => {
    const path = join(dir, 'not-yet', 'sources.json');
    const config = loadIngestConfig({ KAFKA_BROKERS: 'a:1', OKENDO_WEBHOOK_SOURCES_FILE: path });
    expect(config.sourcesFile).toEqual({ path, missingAtStart: true });
    expect(config.sources.size).toBe(0);
    expect(config.secretsReloadIntervalMs).toBe(1_000);
  });

  it('refuses a bad file at start-up naming its problems, and a bad reload interval', async () => {
    const path = join(dir, 'bad-at-start.json');
    await writeFile(path, JSON.stringify({ default: [{ secret: envSecret, label: 'x y' }] }));
    expect(
      problemsOf({
        KAFKA_BROKERS: 'a:1',
        OKENDO_WEBHOOK_SOURCES_FILE: path,
        INGEST_SECRETS_RELOAD_INTERVAL_MS: '10',
      }),
    ).toEqual([
      'OKENDO_WEBHOOK_SOURCES_FILE: source default entry #1: "label" must match /^[A-Za-z0-9._:#@-]{1,64}$/',
      'INGEST_SECRETS_RELOAD_INTERVAL_MS: expected a whole number from 50 to 3600000, got "10"',
    ]);
    await writeFile(path, JSON.stringify({ default: [envSecret] }));
    expect(
      problemsOf({
        KAFKA_BROKERS: 'a:1',
        OKENDO_WEBHOOK_SOURCES_FILE: path,
        OKENDO_WEBHOOK_SECRETS: envSecret,
      }),
    ).toEqual([
      'OKENDO_WEBHOOK_SOURCES_FILE: source default is also configured by env (OKENDO_WEBHOOK_SECRETS)',
    ]);
  });
});

describe('the ingest app over reloadable keys', () => {
  const fakeProducer = (): Producer =>
    ({
      connect: async () => undefined,
      disconnect: async () => undefined,
      sendBatch: async () => [],
    }) as unknown as Producer;

  async function appWith(file: WebhookSourcesFile, clock: () => number) {
    const path = join(dir, `app-${Math.random().toString(36).slice(2)}.json`);
    await writeWebhookSourcesFile(path, file);
    const config = loadIngestConfig({
      KAFKA_BROKERS: 'fake:9092',
      OKENDO_WEBHOOK_SECRETS: envSecret,
      OKENDO_WEBHOOK_SOURCES_FILE: path,
    });
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
    const lines: string[] = [];
    const secrets = new SigningKeyStore(config.sources);
    const { app } = buildIngestApp({
      config,
      publisher,
      secrets,
      clock,
      logger: { level: 'info', stream: { write: (line) => lines.push(line) } },
    });
    const post = async (secret: string, id: string, source = 'shop-a') => {
      const fixture = FIXTURES[0];
      if (fixture === undefined) throw new Error('no fixture');
      const answer = await app.inject({
        method: 'POST',
        url: source === 'default' ? '/webhooks/okendo' : `/webhooks/okendo/${source}`,
        headers: signedHeaders(secret, fixture.body, { id, timestamp: Math.floor(clock() / 1_000) }),
        payload: fixture.body,
      });
      return {
        status: answer.statusCode,
        code: (answer.json() as { error?: { code?: string } }).error?.code,
      };
    };
    const requestLog = (id: string) =>
      lines.map((line) => JSON.parse(line) as Record<string, unknown>).find((l) => l['messageId'] === id);
    return { app, publisher, post, requestLog, lines };
  }

  it('accepts a secret until its notAfter and refuses it from then on, with no reload in between', async () => {
    const notAfter = '2026-12-02T02:00:00.500Z';
    let now = Date.parse(notAfter) - 1;
    const { app, publisher, post, requestLog } = await appWith(
      {
        'shop-a': [
          { secret: oldSecret, label: 'wh_old#1', notAfter },
          { secret: newSecret, label: 'wh_new#2' },
        ],
      },
      () => now,
    );
    try {
      expect(await post(oldSecret, 'msg_before')).toEqual({ status: 200, code: undefined });
      now = Date.parse(notAfter);
      expect(await post(oldSecret, 'msg_at')).toEqual({ status: 401, code: 'no_valid_signature' });
      expect(await post(newSecret, 'msg_new')).toEqual({ status: 200, code: undefined });
      // The one log line per request: id, status, outcome, and which secret (a label, never the value).
      expect(requestLog('msg_before')).toMatchObject({
        status: 200,
        outcome: 'published',
        source: 'shop-a',
        secret: 'wh_old#1',
      });
      expect(requestLog('msg_at')).toMatchObject({
        status: 401,
        outcome: 'unauthorized',
        code: 'no_valid_signature',
        secret: 'wh_old#1',
      });
      const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
      expect(metrics).toContain('ingest_verifications_total{source="shop-a",secret="wh_old#1"} 1');
      expect(metrics).toContain('ingest_verifications_total{source="shop-a",secret="wh_new#2"} 1');
    } finally {
      await app.close();
      await publisher.close();
    }
  });

  it('logs the claimed id of refused requests, names env secrets by position, never logs a value', async () => {
    const now = Date.now();
    const { app, publisher, post, requestLog, lines } = await appWith(
      { 'shop-a': [{ secret: oldSecret }] },
      () => now,
    );
    try {
      expect(await post(newSecret, 'msg_wrong')).toEqual({ status: 401, code: 'no_valid_signature' });
      expect(await post(oldSecret, 'msg_nosuch', 'shop-z')).toEqual({ status: 404, code: 'unknown_source' });
      expect(await post(envSecret, 'msg_env', 'default')).toEqual({ status: 200, code: undefined });
      expect(requestLog('msg_wrong')).toMatchObject({ status: 401, outcome: 'unauthorized' });
      expect(requestLog('msg_wrong')).not.toHaveProperty('secret');
      expect(requestLog('msg_nosuch')).toMatchObject({ status: 404, code: 'unknown_source' });
      expect(requestLog('msg_env')).toMatchObject({ status: 200, source: 'default', secret: '#1' });
      for (const secret of [oldSecret, newSecret, envSecret])
        expect(lines.join('\n')).not.toContain(secret.slice(6, 26));
    } finally {
      await app.close();
      await publisher.close();
    }
  });
});
