/**
 * The sink's configuration: read once from the environment, validated with a message per bad key, frozen.
 * With no CLICKHOUSE_URL the warehouse is embedded chDB in CHDB_DATA_DIR. CLICKHOUSE_CLUSTER (a server's
 * remote_servers name) selects cluster mode: sharded, replicated tables and ON CLUSTER migrations.
 */
import {
  describeKafkaConnection,
  EnvReader,
  type KafkaConnection,
  readKafkaConnection,
  readTopicDurability,
  type TopicDurabilityConfig,
} from '@okendo/common';
import { DEFAULT_TOPIC_PREFIX } from '@okendo/schemas';
import { FAILPOINT_NAMES, type FailpointConfig, isFailpointName } from './failpoints.js';
import { readSqlEndpointConfig, type SqlEndpointConfig } from './sql-endpoint.js';

export type WarehouseConfig =
  | {
      kind: 'clickhouse-server';
      url: string;
      username: string;
      password: string;
      /** cluster mode: the cluster's name in remote_servers; undefined on a single server */
      cluster: string | undefined;
    }
  | { kind: 'chdb'; dataDir: string };

export interface SinkConfig {
  kafka: KafkaConnection;
  /** Replicas and min.insync.replicas of created topics; unset parts are derived from the cluster. */
  topicDurability: TopicDurabilityConfig;
  kafkaClientId: string;
  topicPrefix: string;
  groupId: string;
  warehouse: WarehouseConfig;
  database: string;
  /** Apply the ClickHouse migrations before consuming. */
  migrate: boolean;
  /** Create missing topics before subscribing (off when an operator manages topics). */
  ensureTopics: boolean;
  maxBatchMessages: number;
  maxBatchBytes: number;
  maxWaitMs: number;
  /** Flush at once, without waiting maxWaitMs for batch-mates, when the consumer has caught up (live traffic). */
  flushWhenCaughtUp: boolean;
  /** How long the group waits for a silent (crashed) sink before giving its partitions to the others. */
  sessionTimeoutMs: number;
  retryInitialBackoffMs: number;
  retryMaxBackoffMs: number;
  host: string;
  port: number;
  /** POST /sql: its token (required beyond loopback) and result / time limits */
  sql: SqlEndpointConfig;
  shutdownTimeoutMs: number;
  logLevel: string;
  /** How often consumer lag is measured from committed and end offsets. */
  lagIntervalMs: number;
  /** Crash on purpose between two writes of a flush (fault tests); undefined in production. */
  failpoint: FailpointConfig | undefined;
}

const IDENTIFIER = { test: /^[A-Za-z_][A-Za-z0-9_]*$/, hint: 'letters, digits and underscores' };

function readWarehouse(read: EnvReader, env: NodeJS.ProcessEnv): WarehouseConfig {
  const url = read.raw('CLICKHOUSE_URL');
  if (url !== undefined && !/^https?:\/\/[^\s/]+/.test(url)) {
    read.problems.push(`CLICKHOUSE_URL: expected http(s)://host:port, got ${JSON.stringify(url)}`);
  }
  const cluster = read.raw('CLICKHOUSE_CLUSTER');
  if (cluster !== undefined && !IDENTIFIER.test.test(cluster)) {
    read.problems.push(`CLICKHOUSE_CLUSTER: ${IDENTIFIER.hint}, got ${JSON.stringify(cluster)}`);
  }
  if (cluster !== undefined && url === undefined) {
    read.problems.push(
      'CLICKHOUSE_CLUSTER: a cluster needs a ClickHouse server (set CLICKHOUSE_URL to one of its nodes)',
    );
  }
  const warehouse: WarehouseConfig =
    url === undefined
      ? { kind: 'chdb', dataDir: read.string('CHDB_DATA_DIR', '.local/chdb') }
      : {
          kind: 'clickhouse-server',
          url,
          username: read.string('CLICKHOUSE_USER', 'default'),
          password: env['CLICKHOUSE_PASSWORD'] ?? '',
          cluster,
        };
  return warehouse;
}

/** Just the warehouse settings, for tools that need no Kafka (npm run sql, npm run migrate). */
export function loadWarehouseConfig(env: NodeJS.ProcessEnv = process.env): {
  warehouse: WarehouseConfig;
  database: string;
} {
  const read = new EnvReader(env);
  const config = {
    warehouse: readWarehouse(read, env),
    database: read.string('CLICKHOUSE_DATABASE', 'okendo', IDENTIFIER),
  };
  read.finish();
  return config;
}

function readFailpoint(read: EnvReader): FailpointConfig | undefined {
  const name = read.raw('SINK_FAILPOINT');
  const skip = read.integer('SINK_FAILPOINT_SKIP', 0, { min: 0, max: 1_000_000 });
  if (name === undefined) return undefined;
  if (!isFailpointName(name)) {
    read.problems.push(
      `SINK_FAILPOINT: expected one of ${FAILPOINT_NAMES.join(', ')} (or unset), got ${JSON.stringify(name)}`,
    );
    return undefined;
  }
  return { name, skip };
}

export function loadSinkConfig(env: NodeJS.ProcessEnv = process.env): Readonly<SinkConfig> {
  const read = new EnvReader(env);
  const warehouse = readWarehouse(read, env);
  const host = read.string('SINK_HOST', '127.0.0.1');
  const config: SinkConfig = {
    kafka: readKafkaConnection(read),
    topicDurability: readTopicDurability(read),
    kafkaClientId: read.string('KAFKA_CLIENT_ID', 'okendo-sink'),
    topicPrefix: read.string('KAFKA_TOPIC_PREFIX', DEFAULT_TOPIC_PREFIX, {
      test: /^[A-Za-z0-9._-]{0,200}$/,
      hint: 'letters, digits, dot, underscore and dash only',
    }),
    groupId: read.string('SINK_GROUP_ID', 'okendo-sink'),
    warehouse,
    database: read.string('CLICKHOUSE_DATABASE', 'okendo', IDENTIFIER),
    migrate: read.boolean('SINK_MIGRATE', true),
    ensureTopics: read.boolean('SINK_ENSURE_TOPICS', true),
    maxBatchMessages: read.integer('SINK_MAX_BATCH_MESSAGES', 5_000, { min: 1, max: 1_000_000 }),
    maxBatchBytes: read.integer('SINK_MAX_BATCH_BYTES', 16 * 1_048_576, { min: 1_024, max: 1_073_741_824 }),
    maxWaitMs: read.integer('SINK_MAX_WAIT_MS', 250, { min: 0, max: 60_000 }),
    flushWhenCaughtUp: read.boolean('SINK_FLUSH_WHEN_CAUGHT_UP', true),
    sessionTimeoutMs: read.integer('SINK_SESSION_TIMEOUT_MS', 30_000, { min: 6_000, max: 300_000 }),
    retryInitialBackoffMs: read.integer('SINK_RETRY_INITIAL_BACKOFF_MS', 200, { min: 1, max: 60_000 }),
    retryMaxBackoffMs: read.integer('SINK_RETRY_MAX_BACKOFF_MS', 30_000, { min: 1, max: 600_000 }),
    host,
    port: read.integer('SINK_PORT', 9100, { min: 0, max: 65_535 }),
    sql: readSqlEndpointConfig(read, host),
    shutdownTimeoutMs: read.integer('SINK_SHUTDOWN_TIMEOUT_MS', 15_000, { min: 0, max: 300_000 }),
    logLevel: read.logLevel(),
    lagIntervalMs: read.integer('SINK_LAG_INTERVAL_MS', 5_000, { min: 100, max: 300_000 }),
    failpoint: readFailpoint(read),
  };
  read.finish();
  return Object.freeze(config);
}

/** The configuration as it may be logged: no password, no token. */
export function describeSinkConfig(config: SinkConfig): Record<string, unknown> {
  const warehouse =
    config.warehouse.kind === 'chdb'
      ? config.warehouse
      : {
          kind: config.warehouse.kind,
          url: config.warehouse.url,
          username: config.warehouse.username,
          cluster: config.warehouse.cluster,
        };
  const sql = { ...config.sql, token: config.sql.token === undefined ? 'unset' : '(set)' };
  return { ...config, kafka: describeKafkaConnection(config.kafka), warehouse, sql };
}
