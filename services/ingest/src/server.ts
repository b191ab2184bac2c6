/**
 * The ingest process: `npm run ingest`. Reads the config, connects the idempotent producer, makes sure the
 * topics exist, serves, and on SIGTERM/SIGINT stops accepting, finishes in-flight requests, flushes the
 * producer and exits 0.
 */

import { ConfigError } from '@okendo/common';
import { ensureTopics } from '@okendo/infra/kafka';
import { Kafka, logLevel } from 'kafkajs';
import { buildIngestApp } from './app.js';
import { describeConfig, type IngestConfig, loadIngestConfig } from './config.js';
import { createIdempotentProducer, KafkaPublisher } from './publishing/kafka-publisher.js';

export interface RunningIngest {
  url: string;
  stop: () => Promise<void>;
}

export async function startIngest(config: Readonly<IngestConfig>): Promise<RunningIngest> {
  const kafka = new Kafka({
    clientId: config.kafkaClientId,
    brokers: config.kafkaBrokers,
    logLevel: logLevel.WARN,
    // A broker that accepts connections but does not answer (restarting, recovering its log) must not hold a
    // request for kafkajs' default 30 s: give up the attempt well within the publish timeout and retry.
    requestTimeout: Math.max(1_000, Math.floor(config.publishTimeoutMs / 2)),
    connectionTimeout: 3_000,
  });
  if (config.ensureTopics) {
    const admin = kafka.admin();
    await admin.connect();
    try {
      await ensureTopics(admin, { prefix: config.topicPrefix });
    } finally {
      await admin.disconnect();
    }
  }
  const publisher = new KafkaPublisher(() => createIdempotentProducer(kafka), {
    publishTimeoutMs: config.publishTimeoutMs,
    maxQueuedMessages: config.maxQueuedMessages,
    maxBatchMessages: 1_000,
  });
  await publisher.start();
  const { app } = buildIngestApp({ config, publisher, producerConnected: () => publisher.isConnected });
  app.log.info({ config: describeConfig(config) }, 'starting ingest');
  const url = await app.listen({ host: config.host, port: config.port });
  return {
    url,
    stop: async () => {
      await app.close();
      await publisher.close();
    },
  };
}

async function main(): Promise<void> {
  let config: Readonly<IngestConfig>;
  try {
    config = loadIngestConfig();
  } catch (error) {
    console.error(error instanceof ConfigError ? error.message : error);
    process.exit(2);
  }
  const ingest = await startIngest(config);
  // One line on stdout whatever LOG_LEVEL says: where it listens (tools and benchmarks read it).
  console.log(JSON.stringify({ level: 'info', msg: 'ingest running', url: ingest.url }));
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.error(JSON.stringify({ level: 'info', msg: `${signal}: draining`, url: ingest.url }));
    const timer = setTimeout(() => {
      console.error(
        JSON.stringify({ level: 'error', msg: `shutdown took over ${config.shutdownTimeoutMs} ms` }),
      );
      process.exit(1);
    }, config.shutdownTimeoutMs);
    timer.unref();
    ingest.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(JSON.stringify({ level: 'error', msg: 'shutdown failed', err: String(error) }));
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  await main();
}
