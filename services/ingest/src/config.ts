/**
 * The ingest's configuration: read once at start-up from the environment, validated with a message per bad
 * key, then frozen. Secrets are decoded here and never printed (describeConfig shows only their count).
 */
import { readFileSync } from 'node:fs';
import {
  describeKafkaConnection,
  EnvReader,
  type KafkaConnection,
  parseWebhookSourcesFile,
  readKafkaConnection,
  readTopicDurability,
  type TopicDurabilityConfig,
  type WebhookSourcesFile,
} from '@okendo/common';
import { DEFAULT_TOPIC_PREFIX } from '@okendo/schemas';
import { combineSources, type SourceKeys } from './secrets/signing-key-store.js';
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
  /** Signing keys per source from OKENDO_WEBHOOK_SECRETS ('default'): fixed for the process's life. */
  envSources: SourceKeys;
  /** The keys at start-up: envSources plus the secrets file's; reloads replace them (SecretsFileReloader). */
  sources: SourceKeys;
  /** OKENDO_WEBHOOK_SOURCES_FILE, re-read on SIGHUP and when polling sees it change. */
  sourcesFile: { path: string; missingAtStart: boolean } | undefined;
  /** How often the secrets file is stat'ed for changes. */
  secretsReloadIntervalMs: number;
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

function parseSecretList(list: string, origin: string, problems: string[]): SigningKey[] {
  const keys: SigningKey[] = [];
  list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .forEach((secret, index) => {
      try {
        // Errors say where the secret was configured; metrics and logs name it by position like the file.
        keys.push({
          ...parseSigningSecret(secret, `${origin} secret #${index + 1}`),
          label: `#${index + 1}`,
        });
      } catch (error) {
        problems.push((error as Error).message);
      }
    });
  return keys;
}

/**
 * OKENDO_WEBHOOK_SOURCES_FILE at start-up (webhook-sources-file.ts). A file that does not exist yet is empty:
 * the operator CLI creates it with the first subscription, and the ingest picks it up when it appears.
 */
function readSourcesFileAtStart(
  path: string,
  problems: string[],
): { file: WebhookSourcesFile; missing: boolean } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { file: {}, missing: true };
    problems.push(`OKENDO_WEBHOOK_SOURCES_FILE: cannot read ${path} (${code ?? 'unknown error'})`);
    return { file: {}, missing: false };
  }
  const parsed = parseWebhookSourcesFile(text);
  if (!parsed.ok) {
    problems.push(...parsed.problems.map((problem) => `OKENDO_WEBHOOK_SOURCES_FILE: ${problem}`));
    return { file: {}, missing: false };
  }
  return { file: parsed.sources, missing: false };
}

export function loadIngestConfig(env: NodeJS.ProcessEnv = process.env): Readonly<IngestConfig> {
  const read = new EnvReader(env);
  const envSources = new Map<string, readonly SigningKey[]>();
  const defaultSecrets = read.raw('OKENDO_WEBHOOK_SECRETS');
  if (defaultSecrets !== undefined) {
    envSources.set(DEFAULT_SOURCE, parseSecretList(defaultSecrets, 'OKENDO_WEBHOOK_SECRETS', read.problems));
  }
  const sourcesFilePath = read.raw('OKENDO_WEBHOOK_SOURCES_FILE');
  let sources: SourceKeys = envSources;
  let sourcesFile: IngestConfig['sourcesFile'];
  if (sourcesFilePath !== undefined) {
    const { file, missing } = readSourcesFileAtStart(sourcesFilePath, read.problems);
    sourcesFile = { path: sourcesFilePath, missingAtStart: missing };
    const combined = combineSources(envSources, file);
    if (combined.ok) sources = combined.sources;
    else read.problems.push(...combined.problems.map((problem) => `OKENDO_WEBHOOK_SOURCES_FILE: ${problem}`));
  } else if (envSources.size === 0) {
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
    envSources,
    sources,
    sourcesFile,
    secretsReloadIntervalMs: read.integer('INGEST_SECRETS_RELOAD_INTERVAL_MS', 1_000, {
      min: 50,
      max: 3_600_000,
    }),
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
  const { sources, envSources: _env, kafka, ...rest } = config;
  return {
    ...rest,
    kafka: describeKafkaConnection(kafka),
    sources: Object.fromEntries([...sources].map(([name, keys]) => [name, `${keys.length} secret(s)`])),
  };
}
