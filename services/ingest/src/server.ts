/**
 * The ingest process: `npm run ingest`. Reads the config, connects the idempotent producer, makes sure the
 * topics exist, serves, and on SIGTERM/SIGINT stops accepting, finishes in-flight requests, flushes the
 * producer and exits 0. With OKENDO_WEBHOOK_SOURCES_FILE, SIGHUP (or a change to the file) reloads the secrets.
 */

import { createKafka, createServiceLogger, isEntryPoint, runService } from '@okendo/common';
import { ensureTopicsWith } from '@okendo/infra/kafka';
import { buildIngestApp } from './app.js';
import { describeConfig, type IngestConfig, loadIngestConfig } from './config.js';
import { createIdempotentProducer, KafkaPublisher } from './publishing/kafka-publisher.js';
import { checkBodyLimitFits } from './publishing/message-size.js';
import { brokerProbe, publishedTopics, readMaxMessageBytesWith } from './publishing/topic-admin.js';
import { type ReloadResult, SecretsFileReloader } from './secrets/secrets-file-reloader.js';
import { SigningKeyStore } from './secrets/signing-key-store.js';

export interface RunningIngest {
  url: string;
  stop: () => Promise<void>;
  /** Re-reads the secrets file now, as SIGHUP does (outcome failed when no file is configured). */
  reloadSecrets: () => Promise<ReloadResult>;
}

export async function startIngest(config: Readonly<IngestConfig>): Promise<RunningIngest> {
  // kafkajs logs in the same JSON lines as the app (its expected start-up errors at debug).
  const logger = createServiceLogger('okendo-ingest', config.logLevel);
  const kafka = createKafka(config.kafka, {
    clientId: config.kafkaClientId,
    logger,
    // A broker that accepts connections but does not answer (restarting, recovering its log) must not hold a
    // request for kafkajs' default 30 s: give up the attempt well within the publish timeout and retry.
    requestTimeout: Math.max(1_000, Math.floor(config.publishTimeoutMs / 2)),
    connectionTimeout: 3_000,
  });
  if (config.ensureTopics)
    await ensureTopicsWith(kafka, { prefix: config.topicPrefix, ...config.topicDurability, logger });
  // A body limit some topic cannot take would mean a 503 on every retry of that body: refuse to start.
  const topics = publishedTopics(config.topicPrefix);
  const maxMessageBytes = await readMaxMessageBytesWith(kafka, topics);
  checkBodyLimitFits(config.bodyLimitBytes, maxMessageBytes);
  const publisher = new KafkaPublisher(
    { newProducer: () => createIdempotentProducer(kafka), probe: brokerProbe(kafka, topics) },
    {
      publishTimeoutMs: config.publishTimeoutMs,
      maxQueuedMessages: config.maxQueuedMessages,
      maxBatchMessages: 1_000,
      // Even all in one partition, a batch stays within the smallest topic's limit.
      maxBatchBytes: Math.min(...maxMessageBytes.values()),
      maxMessageBytes,
      reconnect: {
        initialBackoffMs: config.reconnectInitialBackoffMs,
        maxBackoffMs: config.reconnectMaxBackoffMs,
      },
    },
  );
  await publisher.start();
  const secrets = new SigningKeyStore(config.sources);
  const { app, metrics } = buildIngestApp({ config, publisher, secrets });
  app.log.info({ config: describeConfig(config) }, 'starting ingest');
  const reloader =
    config.sourcesFile === undefined
      ? undefined
      : new SecretsFileReloader({
          path: config.sourcesFile.path,
          envSources: config.envSources,
          store: secrets,
          intervalMs: config.secretsReloadIntervalMs,
          reloads: metrics.secretsReloads,
          log: app.log,
        });
  if (config.sourcesFile?.missingAtStart)
    app.log.warn(
      { secretsFile: config.sourcesFile.path },
      'the secrets file does not exist yet: its sources answer 404 until it appears',
    );
  await reloader?.watch();
  const url = await app.listen({ host: config.host, port: config.port });
  return {
    url,
    stop: async () => {
      reloader?.close();
      await app.close();
      await publisher.close();
    },
    reloadSecrets: async () =>
      reloader?.reload('call') ?? {
        outcome: 'failed',
        problems: ['no OKENDO_WEBHOOK_SOURCES_FILE configured'],
      },
  };
}

if (isEntryPoint(import.meta.url)) {
  await runService({
    name: 'ingest',
    loadConfig: loadIngestConfig,
    start: startIngest,
    shutdownTimeoutMs: (config) => config.shutdownTimeoutMs,
    stopping: 'draining in-flight requests, then flushing the producer',
  });
}
