/**
 * Kafka over TLS with SASL (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512), as on managed clusters: a native broker of
 * its own with a SASL_SSL listener whose certificate keytool makes here, reached only through the env-style
 * configuration the services read (readKafkaConnection + createKafka).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  createKafka,
  EnvReader,
  type KafkaClientOverrides,
  type KafkaLogger,
  readKafkaConnection,
} from '@okendo/common';
import { ensureTopicsWith } from '@okendo/infra/kafka';
import {
  type KafkaSaslUser,
  keytoolBinary,
  type LocalKafka,
  resolveKafkaClasspath,
  startKafka,
  stopKafka,
} from '@okendo/infra/local';
import { FIXTURES, topicName } from '@okendo/schemas';
import type { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestIngest } from '../harness/ingest.js';
import { readMessages } from '../harness/kafka.js';
import { uniqueName } from '../harness/names.js';
import { signedHeaders } from '../harness/webhook-signer.js';

/** java, keytool and the Kafka jars: what this test needs whatever broker the rest of the run uses. */
async function toolchainMissing(): Promise<string | undefined> {
  const reasons: string[] = [];
  await keytoolBinary().catch((error: Error) => reasons.push(error.message));
  await resolveKafkaClasspath().catch((error: Error) => reasons.push(`Kafka jars: ${error.message}`));
  return reasons.length === 0 ? undefined : reasons.join('; ');
}

const execFileAsync = promisify(execFile);
const missing = await toolchainMissing();
const required = process.env['REQUIRE_INFRA'] === '1';
const secret = () => randomBytes(18).toString('base64url');
const users = {
  scram256: { mechanism: 'SCRAM-SHA-256', username: 'alice', password: secret() },
  scram512: { mechanism: 'SCRAM-SHA-512', username: 'carol', password: secret() },
  plain: { mechanism: 'PLAIN', username: 'bob', password: secret() },
} satisfies Record<string, KafkaSaslUser>;

interface Logged {
  level: string;
  message: string;
  fields: object;
}

function recordingLogger(): { logger: KafkaLogger; lines: Logged[] } {
  const lines: Logged[] = [];
  const at = (level: string) => (fields: object, message: string) => lines.push({ level, message, fields });
  return { logger: { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') }, lines };
}

/** The client exactly as a service builds it from its environment. */
function clientFromEnv(
  env: Record<string, string>,
  logger: KafkaLogger,
  overrides: KafkaClientOverrides = {},
): Kafka {
  const read = new EnvReader(env);
  const connection = readKafkaConnection(read);
  read.finish();
  return createKafka(connection, { clientId: uniqueName('sasl'), logger, ...overrides });
}

// A refused login or certificate must fail the call at once, not after kafkajs' backoff.
const noRetries = { retry: { retries: 0 } };

if (missing !== undefined && required) {
  describe('Kafka over SASL_SSL', () => {
    it('needs java, keytool and the Kafka jars (REQUIRE_INFRA=1)', () => {
      throw new Error(`cannot run the SASL_SSL broker: ${missing}`);
    });
  });
}

describe.skipIf(missing !== undefined)(
  `Kafka over SASL_SSL${missing === undefined ? '' : ` [skipped: ${missing}]`}`,
  () => {
    let dir: string;
    let broker: LocalKafka | undefined;
    let caFile: string;
    let saslBrokers: string;
    const envOf = (user: KafkaSaslUser, password = user.password): Record<string, string> => ({
      KAFKA_BROKERS: saslBrokers,
      KAFKA_SSL_CA_FILE: caFile,
      KAFKA_SASL_MECHANISM: user.mechanism,
      KAFKA_SASL_USERNAME: user.username,
      KAFKA_SASL_PASSWORD: password,
    });

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'okendo-sasl-ssl-'));
      const keytool = await keytoolBinary();
      const keystoreFile = join(dir, 'broker.p12');
      const keystorePassword = secret();
      caFile = join(dir, 'broker-ca.pem');
      const store = ['-keystore', keystoreFile, '-storetype', 'PKCS12', '-storepass', keystorePassword];
      // A self-signed broker certificate for the loopback address the client dials (hostname checked).
      await execFileAsync(keytool, [
        '-genkeypair',
        '-alias',
        'broker',
        '-keyalg',
        'RSA',
        '-keysize',
        '2048',
        '-validity',
        '2',
        '-dname',
        'CN=localhost',
        '-ext',
        'SAN=dns:localhost,ip:127.0.0.1',
        ...store,
        '-keypass',
        keystorePassword,
        '-noprompt',
      ]);
      await execFileAsync(keytool, ['-exportcert', '-rfc', '-alias', 'broker', ...store, '-file', caFile]);
      broker = await startKafka({
        saslSsl: { keystoreFile, keystorePassword, users: Object.values(users) },
      });
      saslBrokers = broker.saslSslBrokers ?? '';
    }, 120_000);

    afterAll(async () => {
      if (broker) await stopKafka(broker);
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it.each(Object.entries(users))(
      '%s: creates the topics, produces and consumes over TLS',
      async (_name, user) => {
        const { logger, lines } = recordingLogger();
        const kafka = clientFromEnv(envOf(user), logger);
        const prefix = `${uniqueName('sasl')}.`;
        const report = await ensureTopicsWith(kafka, { prefix });
        expect(report.created).toContain(topicName('review', prefix));
        expect(report.durability).toEqual({ brokers: 1, replicationFactor: 1, minInsyncReplicas: 1 });
        const topic = topicName('review', prefix);
        const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
        await producer.connect();
        await producer.send({
          topic,
          acks: -1,
          messages: [{ key: user.username, value: `hello ${user.mechanism}` }],
        });
        await producer.disconnect();
        const read = await readMessages(kafka, [topic], 1);
        expect(read.map((m) => [m.key, m.value.toString()])).toEqual([
          [user.username, `hello ${user.mechanism}`],
        ]);
        expect(lines.filter((l) => l.level === 'error')).toEqual([]);
        expect(JSON.stringify(lines)).not.toContain(user.password);
      },
      60_000,
    );

    it('refuses a wrong password with a clear authentication error, logged without the password', async () => {
      for (const user of [users.scram256, users.plain]) {
        const { logger, lines } = recordingLogger();
        const wrong = `${user.password}x`;
        const admin = clientFromEnv(envOf(user, wrong), logger, noRetries).admin();
        const error = await admin.connect().then(
          () => undefined,
          (e: unknown) => e as Error,
        );
        await admin.disconnect();
        expect(error?.name).toBe('KafkaJSSASLAuthenticationError');
        expect(error?.message).toMatch(
          user.mechanism === 'PLAIN'
            ? /^SASL PLAIN authentication failed: Authentication failed: Invalid username or password/
            : /^SASL SCRAM SHA256 authentication failed/,
        );
        expect(lines.filter((l) => l.level === 'error').map((l) => l.message)).toContainEqual(
          expect.stringMatching(/authentication failed/),
        );
        expect(JSON.stringify(lines)).not.toContain(wrong);
      }
    });

    it('refuses the broker when its certificate is not trusted (no KAFKA_SSL_CA_FILE)', async () => {
      const { logger } = recordingLogger();
      const { KAFKA_SSL_CA_FILE: _ca, ...env } = envOf(users.scram256);
      const admin = clientFromEnv({ ...env, KAFKA_SSL: 'true' }, logger, noRetries).admin();
      await expect(admin.connect()).rejects.toThrow(/self-signed certificate/);
      await admin.disconnect();
    });

    it('the ingest service publishes over SASL_SSL from its env alone', async () => {
      const env = envOf(users.scram256);
      const ingest = await startTestIngest(env['KAFKA_BROKERS'] ?? '', env);
      try {
        const fixture = FIXTURES.find((f) => f.name === 'review.create');
        if (fixture === undefined) throw new Error('no review.create fixture');
        const response = await fetch(`${ingest.url}/webhooks/okendo`, {
          method: 'POST',
          headers: signedHeaders(ingest.secret, fixture.body),
          body: fixture.body,
        });
        expect(response.status).toBe(200);
        const kafka = clientFromEnv(env, recordingLogger().logger);
        const [message] = await readMessages(kafka, [ingest.topic('review')], 1);
        expect(message?.key).toBe(fixture.entityId);
      } finally {
        await ingest.stop();
      }
    }, 60_000);
  },
);
