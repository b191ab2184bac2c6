/**
 * How every client of the pipeline reaches Kafka: brokers, TLS and SASL read once from the environment, and
 * one factory for the kafkajs client that speaks through the service's pino logger.
 */
import { accessSync, constants, readFileSync } from 'node:fs';
import { Kafka, type KafkaConfig, type LogEntry, logLevel } from 'kafkajs';
import type { EnvReader } from './env-reader.js';

export const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

export interface KafkaSasl {
  mechanism: SaslMechanism;
  username: string;
  /** Not enumerable: spreading, JSON.stringify and pino never see it. */
  readonly password: string;
}

export interface KafkaConnection {
  brokers: readonly string[];
  /** TLS to the brokers: false, or the CA to trust (undefined = the system's CAs). */
  ssl: false | { caFile?: string; ca?: string };
  sasl?: KafkaSasl;
}

// host:port, host a DNS name, an IPv4 address or a bracketed IPv6 address.
const BROKER = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?):(\d{1,5})$/;

function readBrokers(read: EnvReader): string[] {
  const list = read.required('KAFKA_BROKERS', 'comma-separated host:port of the Kafka brokers');
  if (list === '') return [];
  const brokers = list.split(',').map((b) => b.trim());
  brokers.forEach((broker, index) => {
    const port = Number(BROKER.exec(broker)?.[2] ?? 0);
    if (port < 1 || port > 65_535) {
      read.problems.push(
        `KAFKA_BROKERS: broker #${index + 1} ${JSON.stringify(broker)} is not host:port (port 1 to 65535)`,
      );
    }
  });
  return brokers;
}

function readSsl(read: EnvReader): KafkaConnection['ssl'] {
  const caFile = read.raw('KAFKA_SSL_CA_FILE');
  const explicit = read.raw('KAFKA_SSL');
  const enabled = read.boolean('KAFKA_SSL', caFile !== undefined);
  if (caFile === undefined) return enabled ? {} : false;
  if (explicit !== undefined && !enabled) {
    read.problems.push('KAFKA_SSL_CA_FILE: set while KAFKA_SSL is false (a CA file means TLS)');
    return false;
  }
  try {
    accessSync(caFile, constants.R_OK);
    const ca = readFileSync(caFile, 'utf8');
    if (!ca.includes('-----BEGIN CERTIFICATE-----')) {
      read.problems.push(
        `KAFKA_SSL_CA_FILE: ${caFile} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`,
      );
    }
    return { caFile, ca };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    read.problems.push(`KAFKA_SSL_CA_FILE: cannot read ${caFile} (${code})`);
    return { caFile };
  }
}

function readSasl(read: EnvReader): KafkaSasl | undefined {
  const mechanismText = read.raw('KAFKA_SASL_MECHANISM')?.toLowerCase();
  const username = read.raw('KAFKA_SASL_USERNAME');
  // Passwords are taken as given: a leading or trailing space may be part of one.
  const password = read.untrimmed('KAFKA_SASL_PASSWORD');
  if (mechanismText === undefined) {
    for (const [key, value] of [
      ['KAFKA_SASL_USERNAME', username],
      ['KAFKA_SASL_PASSWORD', password],
    ] as const) {
      if (value !== undefined) read.problems.push(`${key}: set but KAFKA_SASL_MECHANISM is not`);
    }
    return undefined;
  }
  const mechanism = SASL_MECHANISMS.find((m) => m === mechanismText);
  if (mechanism === undefined) {
    read.problems.push(
      `KAFKA_SASL_MECHANISM: one of ${SASL_MECHANISMS.join(', ')}, got ${JSON.stringify(mechanismText)}`,
    );
  }
  if (username === undefined) read.problems.push(`KAFKA_SASL_USERNAME: required with KAFKA_SASL_MECHANISM`);
  if (password === undefined) read.problems.push(`KAFKA_SASL_PASSWORD: required with KAFKA_SASL_MECHANISM`);
  if (mechanism === undefined || username === undefined || password === undefined) return undefined;
  const sasl = { mechanism, username } as KafkaSasl;
  Object.defineProperty(sasl, 'password', { value: password, enumerable: false });
  return sasl;
}

/** KAFKA_BROKERS, KAFKA_SSL, KAFKA_SSL_CA_FILE and KAFKA_SASL_*; problems go to the reader, one per key. */
export function readKafkaConnection(read: EnvReader): KafkaConnection {
  const connection: KafkaConnection = { brokers: readBrokers(read), ssl: readSsl(read) };
  const sasl = readSasl(read);
  if (sasl !== undefined) connection.sasl = sasl;
  return connection;
}

/** The connection as it may be logged: no password, no certificate body. */
export function describeKafkaConnection(connection: KafkaConnection): Record<string, unknown> {
  return {
    brokers: connection.brokers,
    ssl: connection.ssl === false ? false : { caFile: connection.ssl.caFile ?? '(system CAs)' },
    sasl:
      connection.sasl === undefined
        ? false
        : { mechanism: connection.sasl.mechanism, username: connection.sasl.username },
  };
}

/** What createKafka needs of a logger: pino's Logger and Fastify's app.log both fit. */
export interface KafkaLogger {
  error(object: object, message: string): void;
  warn(object: object, message: string): void;
  info(object: object, message: string): void;
  debug(object: object, message: string): void;
}

/**
 * Retriable errors every starting broker or fresh topic produces, which kafkajs retries by itself (a lasting
 * one makes the operation fail, and that is logged by its caller): kafkajs' protocol error messages.
 */
const TRANSIENT_ERRORS = [
  "The coordinator is loading and hence can't process requests for this group", // GROUP_LOAD_IN_PROGRESS
  'The group coordinator is not available', // GROUP_COORDINATOR_NOT_AVAILABLE
  'This is not the correct coordinator for this group', // NOT_COORDINATOR_FOR_GROUP
  'There is no leader for this topic-partition', // LEADER_NOT_AVAILABLE
  'This server is not the leader for that topic-partition', // NOT_LEADER_FOR_PARTITION
  'This server does not host this topic-partition', // UNKNOWN_TOPIC_OR_PARTITION, until metadata spreads
  'The group is rebalancing, so a rejoin is needed', // REBALANCE_IN_PROGRESS while joining
] as const;

/**
 * Warnings about choices made on purpose, printed at every start: the ingest bounds its idempotent producer's
 * retries so a batch stuck after a broker crash fails and the producer is replaced (see kafka-publisher.ts).
 */
const EXPECTED_WARNINGS = [
  'Limiting retries for the idempotent producer may invalidate EoS guarantees',
] as const;

/** A consumer crash or exhausted retries is the lasting kind, whatever error it carries. */
const GAVE_UP = /^Crash:|NumberOfRetriesExceeded/;

/**
 * A consumer crash kafkajs restarts by itself (`Restarting the consumer in ...`): after a transient error (a
 * coordinator still loading on a fresh broker) that is a warning; a crash it does not restart from is reported
 * by the service at error (the sink's `consumer crashed ... will not restart`).
 */
const RESTARTED = /^Restarting the consumer in /;

/**
 * A crash on one retriable protocol error of TRANSIENT_ERRORS (not on exhausted retries): kafkajs restarts the
 * consumer after it.
 */
function isTransientCrash(text: string): boolean {
  return /^Crash: KafkaJSProtocolError:/.test(text) && TRANSIENT_ERRORS.some((known) => text.includes(known));
}

/** A kafkajs log entry's message and, when it carries one, its error text. */
function entryText(entry: Pick<LogEntry, 'log'>): string {
  const { message, error } = entry.log as { message: unknown; error?: unknown };
  return `${String(message)} ${typeof error === 'string' ? error : ''}`;
}

/** True for a kafkajs log entry reporting one of TRANSIENT_ERRORS while kafkajs still retries it. */
export function isTransientKafkaLog(entry: Pick<LogEntry, 'log'>): boolean {
  const text = entryText(entry);
  return !GAVE_UP.test(text) && TRANSIENT_ERRORS.some((known) => text.includes(known));
}

/** Routes kafkajs' log entries to the logger: transient errors at debug, everything else at its level. */
export function kafkaLogCreator(logger: KafkaLogger): NonNullable<KafkaConfig['logCreator']> {
  return () => (entry) => {
    const { message, timestamp: _timestamp, logger: _kafkajs, ...extra } = entry.log;
    const fields = { kafkajs: { namespace: entry.namespace, ...extra } };
    const text = `kafkajs: ${message}`;
    if (entry.level === logLevel.ERROR || entry.level === logLevel.WARN) {
      const expected = EXPECTED_WARNINGS.some((known) => String(message).includes(known));
      if (expected || isTransientKafkaLog(entry)) logger.debug(fields, text);
      else if (isTransientCrash(entryText(entry)) || RESTARTED.test(String(message)))
        logger.warn(fields, text);
      else if (entry.level === logLevel.ERROR) logger.error(fields, text);
      else logger.warn(fields, text);
    } else if (entry.level === logLevel.INFO) logger.info(fields, text);
    else logger.debug(fields, text);
  };
}

/** kafkajs settings a caller may choose; brokers, TLS, SASL and logging come from the connection. */
export type KafkaClientOverrides = Omit<KafkaConfig, 'brokers' | 'ssl' | 'sasl' | 'logCreator' | 'logLevel'>;

export interface CreateKafkaOptions extends Omit<KafkaClientOverrides, 'clientId'> {
  clientId: string;
  logger: KafkaLogger;
}

/** The kafkajs client for a connection, logging through the service's logger. */
export function createKafka(connection: KafkaConnection, options: CreateKafkaOptions): Kafka {
  const { logger, ...overrides } = options;
  const config: KafkaConfig = {
    ...overrides,
    brokers: [...connection.brokers],
    // kafkajs' DEBUG is wire-level detail (every request); INFO and above are worth the logger's filter.
    logLevel: logLevel.INFO,
    logCreator: kafkaLogCreator(logger),
  };
  if (connection.ssl !== false) {
    config.ssl = connection.ssl.ca === undefined ? true : { ca: [connection.ssl.ca] };
  }
  if (connection.sasl !== undefined) {
    const { mechanism, username, password } = connection.sasl;
    config.sasl = { mechanism, username, password } as NonNullable<KafkaConfig['sasl']>;
    if (mechanism === 'plain' && connection.ssl === false) {
      logger.warn(
        { kafka: describeKafkaConnection(connection) },
        'SASL PLAIN without TLS sends the password in clear',
      );
    }
  }
  return new Kafka(config);
}
