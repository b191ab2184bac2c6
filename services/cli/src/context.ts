/**
 * What a command reaches, built lazily from the environment (each part is read and checked only when a command
 * needs it, so `subscriptions list` works without Kafka settings) and closed once at the end.
 */
import { ConfigError, createKafka, EnvReader, readKafkaConnection } from '@okendo/common';
import { OkendoClient, type OkendoClientOptions, readOkendoApiConfig } from '@okendo/okendo-api';
import { DEFAULT_TOPIC_PREFIX } from '@okendo/schemas';
import { loadWarehouseConfig, type ReadOnlyLimits } from '@okendo/sink';
import type { Kafka } from 'kafkajs';
import { auditActor, recordAudit } from './audit.js';
import { CliError, EXIT } from './exit-codes.js';
import type { Output } from './output.js';
import { type AuditRow, openWarehouseAccess, type WarehouseAccess } from './warehouse-access.js';

export interface CliContext {
  readonly env: NodeJS.ProcessEnv;
  readonly output: Output;
  /** The Okendo Merchant API client of one source (OKENDO_USER_ID[_<SOURCE>], OKENDO_API_KEY[_<SOURCE>]). */
  okendo(source: string): OkendoClient;
  /** kafkajs for KAFKA_BROKERS (and TLS/SASL), logging to stderr on a terminal only. */
  kafka(): Kafka;
  /** KAFKA_TOPIC_PREFIX, the same as the ingest's and the sink's. */
  topicPrefix(): string;
  /** The sink's consumer group (SINK_GROUP_ID). */
  sinkGroupId(): string;
  /** The ingest's base URL (INGEST_URL, else http://127.0.0.1:INGEST_PORT). */
  ingestUrl(): string;
  /** The sink's base URL (SINK_URL, else http://127.0.0.1:SINK_PORT). */
  sinkUrl(): string;
  warehouse(): Promise<WarehouseAccess>;
  /** Writes one operator_audit row (actor and time filled in); a failure to write is a warning. */
  audit(row: Omit<AuditRow, 'at' | 'actor'>): Promise<void>;
  /** Runs `fn` on close (a producer to disconnect, a file to release), in reverse order. */
  onClose(fn: () => Promise<void>): void;
  close(): Promise<void>;
}

const URL_PATTERN = { test: /^https?:\/\/[^\s/]+\/?$/, hint: 'http(s)://host:port' };

/** Reads once with an EnvReader; a problem becomes a usage error naming the keys. */
function readEnv<T>(env: NodeJS.ProcessEnv, read: (reader: EnvReader) => T): T {
  const reader = new EnvReader(env);
  try {
    const value = read(reader);
    reader.finish();
    return value;
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message, EXIT.usage);
    throw error;
  }
}

/** Drops the trailing slash of a base URL. */
const base = (url: string): string => url.replace(/\/+$/, '');

/** How the context's Okendo clients retry and time out (the console gives up sooner than a terminal). */
export interface ContextOptions {
  okendo?: Pick<OkendoClientOptions, 'maxRetries' | 'requestTimeoutMs' | 'retryBaseDelayMs'>;
  /**
   * Embedded mode reads only through the running sink, never by opening chDB's data dir (a long-lived
   * process holding that lock would keep the sink from starting). A failed open is not remembered either.
   */
  warehouseThroughSinkOnly?: boolean;
}

export function createContext(
  env: NodeJS.ProcessEnv,
  output: Output,
  options: ContextOptions = {},
): CliContext {
  const closers: Array<() => Promise<void>> = [];
  const clients = new Map<string, OkendoClient>();
  let kafka: Kafka | undefined;
  let warehouse: Promise<WarehouseAccess> | undefined;

  const context: CliContext = {
    env,
    output,
    okendo(source) {
      const existing = clients.get(source);
      if (existing) return existing;
      const read = readOkendoApiConfig(env, source);
      if (!read.ok) throw new CliError(`Okendo API settings: ${read.problems.join('; ')}`, EXIT.usage);
      const client = new OkendoClient({
        credentials: read.config.credentials,
        baseUrl: read.config.baseUrl,
        ...(read.config.requestsPerSecond === undefined
          ? {}
          : { rateLimit: { requestsPerSecond: read.config.requestsPerSecond } }),
        ...options.okendo,
        log: (entry) => {
          if (entry.event === 'retry')
            output.info(
              `Okendo: ${entry.method} ${entry.path} ${entry.status ?? entry.message ?? ''}, retrying in ${entry.waitMs} ms`,
            );
        },
      });
      clients.set(source, client);
      return client;
    },
    kafka() {
      kafka ??= readEnv(env, (reader) =>
        createKafka(readKafkaConnection(reader), {
          clientId: reader.string('KAFKA_CLIENT_ID', 'okendo-pipeline-cli'),
          logger: stderrLogger(output),
          connectionTimeout: 3_000,
          retry: { retries: 3 },
        }),
      );
      return kafka;
    },
    topicPrefix: () =>
      readEnv(env, (reader) =>
        reader.string('KAFKA_TOPIC_PREFIX', DEFAULT_TOPIC_PREFIX, {
          test: /^[A-Za-z0-9._-]*$/,
          hint: 'letters, digits, dot, dash, underscore',
        }),
      ),
    sinkGroupId: () => readEnv(env, (reader) => reader.string('SINK_GROUP_ID', 'okendo-sink')),
    ingestUrl: () =>
      readEnv(env, (reader) => {
        const port = reader.integer('INGEST_PORT', 8080, { min: 1, max: 65_535 });
        return base(reader.string('INGEST_URL', `http://127.0.0.1:${port}`, URL_PATTERN));
      }),
    sinkUrl: () =>
      readEnv(env, (reader) => {
        const port = reader.integer('SINK_PORT', 9100, { min: 1, max: 65_535 });
        return base(reader.string('SINK_URL', `http://127.0.0.1:${port}`, URL_PATTERN));
      }),
    warehouse() {
      warehouse ??= (async () => {
        let settings: ReturnType<typeof loadWarehouseConfig>;
        try {
          settings = loadWarehouseConfig(env);
        } catch (error) {
          if (error instanceof ConfigError) throw new CliError(error.message, EXIT.usage);
          throw error;
        }
        const limits: ReadOnlyLimits = readEnv(env, (reader) => ({
          maxResultRows: reader.integer('OKENDO_PIPELINE_MAX_RESULT_ROWS', 1_000_000, {
            min: 1,
            max: 100_000_000,
          }),
          maxResultBytes: reader.integer('OKENDO_PIPELINE_MAX_RESULT_BYTES', 512 * 1_048_576, {
            min: 1_024,
            max: 8 * 1_073_741_824,
          }),
          maxExecutionSeconds: reader.integer('OKENDO_PIPELINE_MAX_EXECUTION_SECONDS', 300, {
            min: 1,
            max: 86_400,
          }),
        }));
        const access = await openWarehouseAccess({
          ...settings,
          sinkUrl: context.sinkUrl(),
          sinkToken: env['SINK_SQL_TOKEN'],
          limits,
          sinkOnly: options.warehouseThroughSinkOnly === true,
        });
        closers.push(() => access.close());
        return access;
      })();
      const opening = warehouse;
      // a long-lived caller (the console) tries again on its next read rather than failing for good
      if (options.warehouseThroughSinkOnly === true)
        opening.catch(() => {
          if (warehouse === opening) warehouse = undefined;
        });
      return opening;
    },
    audit: (row) =>
      recordAudit(() => context.warehouse(), output, { ...row, at: Date.now(), actor: auditActor(env) }),
    onClose(fn) {
      closers.push(fn);
    },
    async close() {
      for (const fn of closers.splice(0).reverse()) await fn().catch(() => {});
    },
  };
  return context;
}

/** kafkajs' log lines, on stderr when it is a terminal (errors as warnings always). */
function stderrLogger(output: Output) {
  const line = (message: string) => output.info(message);
  return {
    error: (_fields: object, message: string) => output.warn(message),
    warn: (_fields: object, message: string) => line(message),
    info: () => {},
    debug: () => {},
  };
}
