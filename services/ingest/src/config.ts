/**
 * The ingest's configuration: read once at start-up from the environment, validated with a message per bad
 * key, then frozen. Secrets are decoded here and never printed (describeConfig shows only their count).
 */
import { readFileSync } from 'node:fs';
import {
  describeKafkaConnection,
  EnvReader,
  type KafkaConnection,
  readKafkaConnection,
  readTopicDurability,
  type TopicDurabilityConfig,
} from '@okendo/common';
import { DEFAULT_TOPIC_PREFIX } from '@okendo/schemas';
import { parseSigningSecret, type SigningKey } from './signature/webhook-secrets.js';

export const DEFAULT_SOURCE = 'default';

export interface IngestConfig {
  kafka: KafkaConnection;
  /** Replicas and min.insync.replicas of created topics; unset parts are derived from the cluster. */
  topicDurability: TopicDurabilityConfig;
  kafkaClientId: string;
  topicPrefix: string;
  /** Create the declared topics before serving (off when an operator manages topics). */
  ensureTopics: boolean;
  host: string;
  port: number;
  /** Signing keys per source: 'default' for POST /webhooks/okendo, else the :source path segment. */
  sources: ReadonlyMap<string, readonly SigningKey[]>;
  bodyLimitBytes: number;
  timestampToleranceSeconds: number;
  publishTimeoutMs: number;
  /** A request whose headers and body have not fully arrived by then gets 408 and is closed. */
  requestTimeoutMs: number;
  retryAfterSeconds: number;
  maxQueuedMessages: number;
  /** After a failed batch: reconnect-and-probe backoff, doubling from the initial wait up to the cap. */
  reconnectInitialBackoffMs: number;
  reconnectMaxBackoffMs: number;
  dedupeWindowSeconds: number;
  dedupeMaxEntries: number;
  shutdownTimeoutMs: number;
  logLevel: string;
}

const SOURCE_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

function parseSecretList(list: string, origin: string, problems: string[]): SigningKey[] {
  const keys: SigningKey[] = [];
  list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .forEach((secret, index) => {
      try {
        keys.push(parseSigningSecret(secret, `${origin} secret #${index + 1}`));
      } catch (error) {
        problems.push((error as Error).message);
      }
    });
  return keys;
}

/** OKENDO_WEBHOOK_SOURCES_FILE: a JSON object of source name -> list of whsec_ secrets. */
function readSourcesFile(path: string, problems: string[]): Map<string, SigningKey[]> {
  const sources = new Map<string, SigningKey[]>();
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    problems.push(`OKENDO_WEBHOOK_SOURCES_FILE: cannot read ${path} as JSON (${(error as Error).message})`);
    return sources;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    problems.push('OKENDO_WEBHOOK_SOURCES_FILE: expected an object {"<source>": ["whsec_...", ...]}');
    return sources;
  }
  for (const [name, secrets] of Object.entries(parsed)) {
    if (!SOURCE_NAME.test(name)) {
      problems.push(
        `OKENDO_WEBHOOK_SOURCES_FILE: source name ${JSON.stringify(name)} must match ${SOURCE_NAME}`,
      );
      continue;
    }
    if (!Array.isArray(secrets) || secrets.some((s) => typeof s !== 'string') || secrets.length === 0) {
      problems.push(`OKENDO_WEBHOOK_SOURCES_FILE: source ${name} needs a non-empty list of secret strings`);
      continue;
    }
    sources.set(name, parseSecretList(secrets.join(','), `source ${name}`, problems));
  }
  return sources;
}

export function loadIngestConfig(env: NodeJS.ProcessEnv = process.env): Readonly<IngestConfig> {
  const read = new EnvReader(env);
  const sources = new Map<string, readonly SigningKey[]>();
  const defaultSecrets = read.raw('OKENDO_WEBHOOK_SECRETS');
  if (defaultSecrets !== undefined) {
    sources.set(DEFAULT_SOURCE, parseSecretList(defaultSecrets, 'OKENDO_WEBHOOK_SECRETS', read.problems));
  }
  const sourcesFile = read.raw('OKENDO_WEBHOOK_SOURCES_FILE');
  if (sourcesFile !== undefined) {
    for (const [name, keys] of readSourcesFile(sourcesFile, read.problems)) {
      if (sources.has(name))
        read.problems.push(`OKENDO_WEBHOOK_SOURCES_FILE: source ${name} is also configured by env`);
      sources.set(name, keys);
    }
  }
  if (sources.size === 0) {
    read.problems.push(
      'OKENDO_WEBHOOK_SECRETS: required (comma-separated whsec_ secrets), unless OKENDO_WEBHOOK_SOURCES_FILE names the sources',
    );
  }
  const config: IngestConfig = {
    kafka: readKafkaConnection(read),
    topicDurability: readTopicDurability(read),
    kafkaClientId: read.string('KAFKA_CLIENT_ID', 'okendo-ingest'),
    topicPrefix: read.string('KAFKA_TOPIC_PREFIX', DEFAULT_TOPIC_PREFIX, {
      test: /^[A-Za-z0-9._-]{0,200}$/,
      hint: 'letters, digits, dot, underscore and dash only',
    }),
    ensureTopics: read.boolean('INGEST_ENSURE_TOPICS', true),
    host: read.string('INGEST_HOST', '0.0.0.0'),
    port: read.integer('INGEST_PORT', 8080, { min: 0, max: 65_535 }),
    sources,
    // Below the broker's default max.message.bytes (1048588) with room for the envelope (message-size.ts).
    bodyLimitBytes: read.integer('INGEST_BODY_LIMIT_BYTES', 1_000_000, { min: 1_024, max: 64 * 1_048_576 }),
    timestampToleranceSeconds: read.integer('INGEST_TIMESTAMP_TOLERANCE_SECONDS', 300, {
      min: 1,
      max: 3_600,
    }),
    // Okendo gives up on a delivery after 15 s: answer 503 well before that.
    publishTimeoutMs: read.integer('INGEST_PUBLISH_TIMEOUT_MS', 5_000, { min: 100, max: 12_000 }),
    requestTimeoutMs: read.integer('INGEST_REQUEST_TIMEOUT_MS', 15_000, { min: 1_000, max: 120_000 }),
    retryAfterSeconds: read.integer('INGEST_RETRY_AFTER_SECONDS', 5, { min: 1, max: 3_600 }),
    maxQueuedMessages: read.integer('INGEST_MAX_QUEUED_MESSAGES', 10_000, { min: 1, max: 1_000_000 }),
    reconnectInitialBackoffMs: read.integer('INGEST_RECONNECT_INITIAL_BACKOFF_MS', 250, {
      min: 10,
      max: 60_000,
    }),
    reconnectMaxBackoffMs: read.integer('INGEST_RECONNECT_MAX_BACKOFF_MS', 5_000, { min: 10, max: 300_000 }),
    dedupeWindowSeconds: read.integer('INGEST_DEDUPE_WINDOW_SECONDS', 600, { min: 0, max: 86_400 }),
    dedupeMaxEntries: read.integer('INGEST_DEDUPE_MAX_ENTRIES', 100_000, { min: 1, max: 10_000_000 }),
    shutdownTimeoutMs: read.integer('INGEST_SHUTDOWN_TIMEOUT_MS', 10_000, { min: 0, max: 120_000 }),
    logLevel: read.logLevel(),
  };
  if (config.reconnectMaxBackoffMs < config.reconnectInitialBackoffMs) {
    read.problems.push(
      `INGEST_RECONNECT_MAX_BACKOFF_MS: must be at least INGEST_RECONNECT_INITIAL_BACKOFF_MS (${config.reconnectInitialBackoffMs})`,
    );
  }
  read.finish();
  return Object.freeze(config);
}

/** The configuration as it may be logged: secrets reduced to how many there are. */
export function describeConfig(config: IngestConfig): Record<string, unknown> {
  const { sources, kafka, ...rest } = config;
  return {
    ...rest,
    kafka: describeKafkaConnection(kafka),
    sources: Object.fromEntries([...sources].map(([name, keys]) => [name, `${keys.length} secret(s)`])),
  };
}
