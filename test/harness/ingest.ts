import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '@okendo/infra/local';
import { loadIngestConfig, type RunningIngest, startIngest } from '@okendo/ingest';
import { RESOURCE_TYPES, type TopicKey, topicName } from '@okendo/schemas';
import type { Admin } from 'kafkajs';
import { uniqueName } from './names.js';
import { type ServiceProcess, startService, stopService } from './service-process.js';
import { newWebhookSecret } from './webhook-signer.js';

export interface TestIngest extends RunningIngest {
  secret: string;
  prefix: string;
  topic: (key: TopicKey) => string;
}

/**
 * Starts the real ingest (server.ts's start path: topics, producer, HTTP on a free port) with topics of its
 * own, so tests running side by side never see each other's messages.
 */
export async function startTestIngest(
  brokers: string,
  env: Record<string, string> = {},
): Promise<TestIngest> {
  const secret = newWebhookSecret();
  const prefix = `${uniqueName('t')}.`;
  const config = loadIngestConfig({
    KAFKA_BROKERS: brokers,
    OKENDO_WEBHOOK_SECRETS: secret,
    KAFKA_TOPIC_PREFIX: prefix,
    INGEST_HOST: '127.0.0.1',
    INGEST_PORT: '0',
    LOG_LEVEL: 'silent',
    ...env,
  });
  const ingest = await startIngest(config);
  return { ...ingest, secret, prefix, topic: (key) => topicName(key, prefix) };
}

export interface IngestProcess {
  url: string;
  prefix: string;
  topic: (key: TopicKey) => string;
  process: ServiceProcess;
  /** the JSON log (one line per request, reload errors): read it to check what the ingest said */
  logFile: string;
  /** SIGTERM, waited for */
  stop: () => Promise<string>;
}

/**
 * The ingest as its own OS process (server.ts, as in production), for what needs one: signals (SIGHUP
 * reloads the secrets file), its log file. `env` is laid over the defaults; a secrets file goes in
 * OKENDO_WEBHOOK_SOURCES_FILE, and OKENDO_WEBHOOK_SECRETS is unset unless given.
 */
export async function spawnTestIngest(
  brokers: string,
  env: Record<string, string>,
  options: { logFile: string; name?: string },
): Promise<IngestProcess> {
  const port = await freePort();
  const prefix = `${uniqueName('t')}.`;
  const child = await startService(
    'ingest',
    {
      // Settings meant for an explicitly provided broker must not reach this one; empty means unset.
      KAFKA_SSL: '',
      KAFKA_SSL_CA_FILE: '',
      KAFKA_SASL_MECHANISM: '',
      KAFKA_SASL_USERNAME: '',
      KAFKA_SASL_PASSWORD: '',
      OKENDO_WEBHOOK_SECRETS: '',
      KAFKA_BROKERS: brokers,
      KAFKA_TOPIC_PREFIX: prefix,
      INGEST_HOST: '127.0.0.1',
      INGEST_PORT: String(port),
      LOG_LEVEL: 'info',
      ...env,
    },
    { port, logFile: options.logFile, ...(options.name === undefined ? {} : { name: options.name }) },
  );
  return {
    url: `http://127.0.0.1:${port}`,
    prefix,
    topic: (key) => topicName(key, prefix),
    process: child,
    logFile: options.logFile,
    stop: () => stopService(child, 'SIGTERM'),
  };
}

/** The value of one series of a Prometheus counter or gauge at `url`/metrics (0 when absent). */
export async function metricValue(
  url: string,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null || match[1] !== name) continue;
    const series = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (Object.entries(labels).every(([key, value]) => series[key] === value)) return Number(match[3]);
  }
  return 0;
}

/**
 * Offsets of a topic's partitions; retried, since right after topics are created a broker under load may
 * still answer "not the leader" for a moment.
 */
async function topicOffsets(admin: Admin, topic: string): Promise<Array<{ high: string }>> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await admin.fetchTopicOffsets(topic);
    } catch (error) {
      if (attempt >= 20 || !(error as { retriable?: boolean }).retriable) throw error;
      await sleep(250);
    }
  }
}

/** Messages on each topic so far (sum of the partitions' high watermarks). */
export async function messagesPerTopic(
  admin: Admin,
  ingest: Pick<TestIngest, 'topic'>,
): Promise<Record<string, number>> {
  const keys: TopicKey[] = [...RESOURCE_TYPES, 'unrouted', 'dead_letter'];
  const counts: Record<string, number> = {};
  for (const key of keys) {
    const offsets = await topicOffsets(admin, ingest.topic(key));
    counts[key] = offsets.reduce((sum, p) => sum + Number(p.high), 0);
  }
  return counts;
}
