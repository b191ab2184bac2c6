import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConfigError,
  createKafka,
  describeKafkaConnection,
  EnvReader,
  type KafkaConnection,
  type KafkaLogger,
  kafkaLogCreator,
  readKafkaConnection,
  readTopicDurability,
} from '@okendo/common';
import { describeConfig, loadIngestConfig } from '@okendo/ingest';
import { describeSinkConfig, loadSinkConfig } from '@okendo/sink';
import { logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const PASSWORD = 'pa55-word-never-logged';
let dir: string;
let caFile: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'okendo-kafka-connection-'));
  caFile = join(dir, 'ca.pem');
  await writeFile(caFile, PEM);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function read(env: NodeJS.ProcessEnv): { connection: KafkaConnection; problems: readonly string[] } {
  const reader = new EnvReader(env);
  const connection = readKafkaConnection(reader);
  readTopicDurability(reader);
  try {
    reader.finish();
  } catch (error) {
    if (error instanceof ConfigError) return { connection, problems: error.problems };
    throw error;
  }
  return { connection, problems: [] };
}

describe('readKafkaConnection', () => {
  it('reads a plaintext broker list', () => {
    const { connection, problems } = read({ KAFKA_BROKERS: 'a:9092, kafka-1.internal:19092,[::1]:9093' });
    expect(problems).toEqual([]);
    expect(connection).toEqual({ brokers: ['a:9092', 'kafka-1.internal:19092', '[::1]:9093'], ssl: false });
  });

  it('names each bad broker by position', () => {
    const { problems } = read({ KAFKA_BROKERS: 'a:9092,b,c:0,d:65536,,e:12x' });
    expect(problems).toEqual([
      'KAFKA_BROKERS: broker #2 "b" is not host:port (port 1 to 65535)',
      'KAFKA_BROKERS: broker #3 "c:0" is not host:port (port 1 to 65535)',
      'KAFKA_BROKERS: broker #4 "d:65536" is not host:port (port 1 to 65535)',
      'KAFKA_BROKERS: broker #5 "" is not host:port (port 1 to 65535)',
      'KAFKA_BROKERS: broker #6 "e:12x" is not host:port (port 1 to 65535)',
    ]);
  });

  it('requires KAFKA_BROKERS', () => {
    expect(read({}).problems).toEqual([
      'KAFKA_BROKERS: required (comma-separated host:port of the Kafka brokers)',
    ]);
  });

  it('turns TLS on with KAFKA_SSL or a CA file, and keeps the CA', () => {
    expect(read({ KAFKA_BROKERS: 'a:1', KAFKA_SSL: 'true' }).connection.ssl).toEqual({});
    expect(read({ KAFKA_BROKERS: 'a:1', KAFKA_SSL_CA_FILE: caFile }).connection.ssl).toEqual({
      caFile,
      ca: PEM,
    });
  });

  it('rejects a missing, unreadable or non-PEM CA file and a CA file with TLS off', async () => {
    const notPem = join(dir, 'not-pem.txt');
    await writeFile(notPem, 'hello');
    const locked = join(dir, 'locked.pem');
    await writeFile(locked, PEM);
    await chmod(locked, 0o000);
    const missing = join(dir, 'missing.pem');
    expect(read({ KAFKA_BROKERS: 'a:1', KAFKA_SSL_CA_FILE: missing }).problems).toEqual([
      `KAFKA_SSL_CA_FILE: cannot read ${missing} (ENOENT)`,
    ]);
    expect(read({ KAFKA_BROKERS: 'a:1', KAFKA_SSL_CA_FILE: notPem }).problems).toEqual([
      `KAFKA_SSL_CA_FILE: ${notPem} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`,
    ]);
    // root reads any file: the permission case only means something for other users.
    if (process.getuid?.() !== 0) {
      expect(read({ KAFKA_BROKERS: 'a:1', KAFKA_SSL_CA_FILE: locked }).problems).toEqual([
        `KAFKA_SSL_CA_FILE: cannot read ${locked} (EACCES)`,
      ]);
    }
    expect(read({ KAFKA_BROKERS: 'a:1', KAFKA_SSL: 'no', KAFKA_SSL_CA_FILE: caFile }).problems).toEqual([
      'KAFKA_SSL_CA_FILE: set while KAFKA_SSL is false (a CA file means TLS)',
    ]);
    expect(read({ KAFKA_BROKERS: 'a:1', KAFKA_SSL: 'maybe' }).problems).toEqual([
      'KAFKA_SSL: expected true or false, got "maybe"',
    ]);
  });

  it('reads SASL for every mechanism, the password kept as given', () => {
    for (const mechanism of ['PLAIN', 'scram-sha-256', 'SCRAM-SHA-512']) {
      const { connection, problems } = read({
        KAFKA_BROKERS: 'a:1',
        KAFKA_SSL: '1',
        KAFKA_SASL_MECHANISM: mechanism,
        KAFKA_SASL_USERNAME: 'alice',
        KAFKA_SASL_PASSWORD: ` ${PASSWORD} `,
      });
      expect(problems).toEqual([]);
      expect(connection.sasl?.mechanism).toBe(mechanism.toLowerCase());
      expect(connection.sasl?.username).toBe('alice');
      expect(connection.sasl?.password).toBe(` ${PASSWORD} `);
    }
  });

  it('names each missing or unknown SASL key', () => {
    expect(read({ KAFKA_BROKERS: 'a:1', KAFKA_SASL_MECHANISM: 'gssapi' }).problems).toEqual([
      'KAFKA_SASL_MECHANISM: one of plain, scram-sha-256, scram-sha-512, got "gssapi"',
      'KAFKA_SASL_USERNAME: required with KAFKA_SASL_MECHANISM',
      'KAFKA_SASL_PASSWORD: required with KAFKA_SASL_MECHANISM',
    ]);
    expect(
      read({ KAFKA_BROKERS: 'a:1', KAFKA_SASL_USERNAME: 'alice', KAFKA_SASL_PASSWORD: PASSWORD }).problems,
    ).toEqual([
      'KAFKA_SASL_USERNAME: set but KAFKA_SASL_MECHANISM is not',
      'KAFKA_SASL_PASSWORD: set but KAFKA_SASL_MECHANISM is not',
    ]);
  });

  it('never shows the password: not in problems, descriptions, spreads or JSON', () => {
    const { connection, problems } = read({
      KAFKA_BROKERS: 'a:1,b',
      KAFKA_SASL_MECHANISM: 'scram-sha-999',
      KAFKA_SASL_USERNAME: 'alice',
      KAFKA_SASL_PASSWORD: PASSWORD,
    });
    expect(problems.join('\n')).not.toContain(PASSWORD);
    const good = read({
      KAFKA_BROKERS: 'a:1',
      KAFKA_SASL_MECHANISM: 'plain',
      KAFKA_SASL_USERNAME: 'alice',
      KAFKA_SASL_PASSWORD: PASSWORD,
      KAFKA_SSL_CA_FILE: caFile,
    }).connection;
    expect(describeKafkaConnection(good)).toEqual({
      brokers: ['a:1'],
      ssl: { caFile },
      sasl: { mechanism: 'plain', username: 'alice' },
    });
    expect(JSON.stringify(good)).not.toContain(PASSWORD);
    expect(JSON.stringify({ ...good, sasl: { ...good.sasl } })).not.toContain(PASSWORD);
    expect(JSON.stringify(connection)).not.toContain(PASSWORD);
  });
});

describe('the services', () => {
  it('read the connection and durability from their env and never describe the password', () => {
    const env = {
      KAFKA_BROKERS: 'a:9093',
      KAFKA_SSL_CA_FILE: caFile,
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'alice',
      KAFKA_SASL_PASSWORD: PASSWORD,
      KAFKA_REPLICATION_FACTOR: '3',
      OKENDO_WEBHOOK_SECRETS: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    };
    const ingest = loadIngestConfig(env);
    const sink = loadSinkConfig(env);
    for (const config of [ingest, sink]) {
      expect(config.kafka.sasl?.password).toBe(PASSWORD);
      expect(config.topicDurability).toEqual({ replicationFactor: 3 });
    }
    for (const described of [describeConfig(ingest), describeSinkConfig(sink)]) {
      expect(described['kafka']).toEqual({
        brokers: ['a:9093'],
        ssl: { caFile },
        sasl: { mechanism: 'scram-sha-512', username: 'alice' },
      });
      expect(JSON.stringify(described)).not.toContain(PASSWORD);
      expect(JSON.stringify(described)).not.toContain('BEGIN CERTIFICATE');
    }
  });
});

describe('readTopicDurability', () => {
  it('leaves unset values to the cluster and checks the ones given', () => {
    expect(readTopicDurability(new EnvReader({}))).toEqual({});
    expect(
      readTopicDurability(new EnvReader({ KAFKA_REPLICATION_FACTOR: '3', KAFKA_MIN_INSYNC_REPLICAS: '2' })),
    ).toEqual({ replicationFactor: 3, minInsyncReplicas: 2 });
    const problems = read({
      KAFKA_BROKERS: 'a:1',
      KAFKA_REPLICATION_FACTOR: '2',
      KAFKA_MIN_INSYNC_REPLICAS: '3',
    }).problems;
    expect(problems).toEqual([
      'KAFKA_MIN_INSYNC_REPLICAS: 3 is above KAFKA_REPLICATION_FACTOR 2 (no write could succeed)',
    ]);
    expect(read({ KAFKA_BROKERS: 'a:1', KAFKA_REPLICATION_FACTOR: '0' }).problems).toEqual([
      'KAFKA_REPLICATION_FACTOR: expected a whole number from 1 to 100, got "0"',
    ]);
  });
});

interface Line {
  level: string;
  fields: Record<string, unknown>;
  message: string;
}

function recordingLogger(): { logger: KafkaLogger; lines: Line[] } {
  const lines: Line[] = [];
  const at =
    (level: string) =>
    (fields: object, message: string): void => {
      lines.push({ level, fields: fields as Record<string, unknown>, message });
    };
  return { logger: { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') }, lines };
}

function entry(level: logLevel, message: string, extra: Record<string, unknown> = {}) {
  return {
    namespace: 'Connection',
    level,
    label: logLevel[level],
    log: { timestamp: '2026-01-01T00:00:00.000Z', logger: 'kafkajs', message, ...extra },
  };
}

describe('kafkaLogCreator', () => {
  it("logs a starting broker's transient errors at debug and keeps real errors", () => {
    const { logger, lines } = recordingLogger();
    const log = kafkaLogCreator(logger)(logLevel.INFO);
    log(
      entry(logLevel.ERROR, 'Response GroupCoordinator(key: 10, version: 2)', {
        error: 'The group coordinator is not available',
        broker: '127.0.0.1:9092',
      }),
    );
    log(
      entry(logLevel.ERROR, 'Response Metadata(key: 3, version: 6)', {
        error: 'There is no leader for this topic-partition as we are in the middle of a leadership election',
      }),
    );
    log(entry(logLevel.ERROR, 'Failed to send messages: This server does not host this topic-partition'));
    log(
      entry(logLevel.WARN, 'The group is rebalancing, re-joining', {
        error: 'The group is rebalancing, so a rejoin is needed',
      }),
    );
    log(
      entry(logLevel.ERROR, 'Crash: KafkaJSNumberOfRetriesExceeded: The group coordinator is not available'),
    );
    log(
      entry(
        logLevel.ERROR,
        "Crash: KafkaJSProtocolError: The coordinator is loading and hence can't process requests for this group",
      ),
    );
    log(entry(logLevel.ERROR, 'Restarting the consumer in 300ms', { retryTime: 300 }));
    log(entry(logLevel.ERROR, 'Connection error: connect ECONNREFUSED 127.0.0.1:9092'));
    log(entry(logLevel.ERROR, 'SASL SCRAM SHA256 authentication failed: Authentication failed'));
    log(entry(logLevel.WARN, 'Consumer group received unsubscribed topics'));
    log(entry(logLevel.WARN, 'Limiting retries for the idempotent producer may invalidate EoS guarantees'));
    log(entry(logLevel.INFO, 'Consumer has joined the group', { groupId: 'g' }));
    expect(lines.map((l) => [l.level, l.message])).toEqual([
      ['debug', 'kafkajs: Response GroupCoordinator(key: 10, version: 2)'],
      ['debug', 'kafkajs: Response Metadata(key: 3, version: 6)'],
      ['debug', 'kafkajs: Failed to send messages: This server does not host this topic-partition'],
      ['debug', 'kafkajs: The group is rebalancing, re-joining'],
      ['error', 'kafkajs: Crash: KafkaJSNumberOfRetriesExceeded: The group coordinator is not available'],
      [
        'warn',
        "kafkajs: Crash: KafkaJSProtocolError: The coordinator is loading and hence can't process requests for this group",
      ],
      ['warn', 'kafkajs: Restarting the consumer in 300ms'],
      ['error', 'kafkajs: Connection error: connect ECONNREFUSED 127.0.0.1:9092'],
      ['error', 'kafkajs: SASL SCRAM SHA256 authentication failed: Authentication failed'],
      ['warn', 'kafkajs: Consumer group received unsubscribed topics'],
      ['debug', 'kafkajs: Limiting retries for the idempotent producer may invalidate EoS guarantees'],
      ['info', 'kafkajs: Consumer has joined the group'],
    ]);
    expect(lines[0]?.fields).toEqual({
      kafkajs: {
        namespace: 'Connection',
        error: 'The group coordinator is not available',
        broker: '127.0.0.1:9092',
      },
    });
  });

  it('builds a client with TLS and SASL, warning about PLAIN in clear text', () => {
    const { logger, lines } = recordingLogger();
    const plain = read({
      KAFKA_BROKERS: 'a:1',
      KAFKA_SASL_MECHANISM: 'plain',
      KAFKA_SASL_USERNAME: 'alice',
      KAFKA_SASL_PASSWORD: PASSWORD,
    }).connection;
    createKafka(plain, { clientId: 't', logger });
    expect(lines.map((l) => [l.level, l.message])).toEqual([
      ['warn', 'SASL PLAIN without TLS sends the password in clear'],
    ]);
    expect(JSON.stringify(lines)).not.toContain(PASSWORD);
    createKafka({ ...plain, ssl: { caFile, ca: PEM } }, { clientId: 't', logger, requestTimeout: 1_000 });
    expect(lines).toHaveLength(1);
  });
});
