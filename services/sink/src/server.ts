/**
 * The sink process: `npm run sink`. Opens the warehouse (ClickHouse server or embedded chDB), applies the
 * migrations, serves metrics, and consumes until SIGTERM/SIGINT, then finishes the running flush and exits 0.
 */
import type { AddressInfo } from 'node:net';
import { createKafka, isEntryPoint, runService } from '@okendo/common';
import { migrate } from '@okendo/infra/clickhouse';
import { ensureTopicsWith } from '@okendo/infra/kafka';
import { pino } from 'pino';
import { describeSinkConfig, loadSinkConfig, type SinkConfig } from './config.js';
import { SinkConsumer } from './consumer/sink-consumer.js';
import { createSinkHttpServer } from './http-server.js';
import { createSinkMetrics, type SinkMetrics } from './metrics.js';
import { openWarehouse } from './warehouse/open-warehouse.js';

export interface RunningSink {
  /** the metrics / sql endpoint */
  url: string;
  metrics: SinkMetrics;
  stop: () => Promise<void>;
}

export async function startSink(config: Readonly<SinkConfig>): Promise<RunningSink> {
  const logger = pino({ level: config.logLevel, base: { service: 'okendo-sink' } });
  logger.info({ config: describeSinkConfig(config) }, 'starting sink');
  const warehouse = await openWarehouse(config.warehouse);
  if (config.migrate) {
    const report = await migrate(warehouse, config.database);
    logger.info({ ...report, engine: warehouse.engine, version: await warehouse.version() }, 'migrations');
  }
  const metrics = createSinkMetrics();
  const kafka = createKafka(config.kafka, { clientId: config.kafkaClientId, logger });
  // The lag probe joins a throwaway group every few seconds while the sink consumes: its join and stop
  // lines are routine, so they go at debug; its warnings and errors stay.
  const probeKafka = createKafka(config.kafka, {
    clientId: `${config.kafkaClientId}-lag-probe`,
    logger: {
      error: (fields, message) => logger.error(fields, message),
      warn: (fields, message) => logger.warn(fields, message),
      info: (fields, message) => logger.debug(fields, message),
      debug: (fields, message) => logger.debug(fields, message),
    },
  });
  // The sink may start before the ingest: subscribing needs the topics to exist.
  if (config.ensureTopics)
    await ensureTopicsWith(kafka, { prefix: config.topicPrefix, ...config.topicDurability, logger });
  const consumer = new SinkConsumer({
    kafka,
    probeKafka,
    groupId: config.groupId,
    topicPrefix: config.topicPrefix,
    warehouse,
    database: config.database,
    limits: {
      maxMessages: config.maxBatchMessages,
      maxBytes: config.maxBatchBytes,
      maxWaitMs: config.maxWaitMs,
      flushWhenCaughtUp: config.flushWhenCaughtUp,
    },
    retry: { initialBackoffMs: config.retryInitialBackoffMs, maxBackoffMs: config.retryMaxBackoffMs },
    sessionTimeoutMs: config.sessionTimeoutMs,
    metrics,
    logger,
    lagIntervalMs: config.lagIntervalMs,
    failpoint: config.failpoint,
  });
  const http = createSinkHttpServer({
    metrics,
    warehouse,
    health: () => consumer.health(),
    liveness: () => consumer.liveness(),
    sql: config.sql,
    database: config.database,
    logger,
  });
  await new Promise<void>((resolve) => http.listen(config.port, config.host, resolve));
  const { port } = http.address() as AddressInfo;
  await consumer.start();
  return {
    url: `http://${config.host}:${port}`,
    metrics,
    stop: async () => {
      const giveUp = setTimeout(() => consumer.abortRetries(), Math.max(0, config.shutdownTimeoutMs - 2_000));
      try {
        await consumer.stop();
      } finally {
        clearTimeout(giveUp);
        await new Promise((resolve) => http.close(resolve));
        await warehouse.close();
      }
    },
  };
}

if (isEntryPoint(import.meta.url)) {
  await runService({
    name: 'sink',
    loadConfig: loadSinkConfig,
    start: startSink,
    shutdownTimeoutMs: (config) => config.shutdownTimeoutMs,
    stopping: 'finishing the current flush',
  });
}
