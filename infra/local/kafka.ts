import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { execFileAsync, findExecutable, javaBinary, localAsset } from './commands.js';
import { freePort, retryWhenPortTaken } from './ports.js';
import { isAlive, killProcess, spawnDaemon, stopProcess, waitUntil } from './processes.js';
import { kafkaLogsThroughLog4j2, kafkaVersion } from './versions.js';

const kafkaAssets = localAsset('kafka');

export interface LocalKafka {
  kind: 'kafka';
  version: string;
  brokers: string;
  pid: number;
  /** Temp dir holding config, data and the broker's log; removed on stop unless kept for a restart. */
  dir: string;
  brokerPort: number;
  controllerPort: number;
  /** The SASL_SSL listener, when started with `saslSsl`. */
  saslSslBrokers?: string;
  saslSslPort?: number;
  startupMs: number;
}

/** A user the SASL_SSL listener accepts: SCRAM credentials are written at format time, PLAIN ones in JAAS. */
export interface KafkaSaslUser {
  mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
  username: string;
  password: string;
}

/** An extra SASL_SSL listener (TLS with the broker's key from a PKCS12 keystore, then SASL). */
export interface KafkaSaslSslListener {
  keystoreFile: string;
  keystorePassword: string;
  users: readonly KafkaSaslUser[];
}

export interface StartKafkaOptions {
  version?: string;
  /** true for `infra:up` (the broker outlives the command); false in tests. */
  detached?: boolean;
  readyTimeoutMs?: number;
  /** Restart a stopped broker on its old data dir and ports (fault tests); a fresh temp dir otherwise. */
  reuse?: Pick<LocalKafka, 'dir' | 'brokerPort' | 'controllerPort' | 'saslSslPort'> & { version?: string };
  /** Also listen with SASL_SSL (the PLAINTEXT listener stays, for the broker itself and readiness). */
  saslSsl?: KafkaSaslSslListener;
}

function cacheDir(): string {
  const base = process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache');
  return join(base, 'okendo-pipeline');
}

/**
 * Resolves the broker's classpath with Maven (jars land in ~/.m2 and are reused across runs). The resolved
 * classpath is cached per version so later starts don't pay for a Maven run.
 */
export async function resolveKafkaClasspath(version = kafkaVersion()): Promise<string> {
  const classpathFile = join(cacheDir(), `kafka-${version}.classpath`);
  if (existsSync(classpathFile)) {
    const cached = (await readFile(classpathFile, 'utf8')).trim();
    if (cached !== '' && cached.split(':').every((jar) => existsSync(jar))) return cached;
  }
  const mvn = await findExecutable('mvn');
  if (mvn === undefined) {
    throw new Error(
      'Maven (mvn) is not on PATH: it is needed once to fetch the Kafka jars (apt-get install maven)',
    );
  }
  await mkdir(cacheDir(), { recursive: true });
  try {
    await execFileAsync(
      mvn,
      [
        '-q',
        '-B',
        '-f',
        join(kafkaAssets, 'pom.xml'),
        'dependency:build-classpath',
        `-Dkafka.version=${version}`,
        // The pom's log4j2 profile (4.x); without it, reload4j (3.x).
        ...(kafkaLogsThroughLog4j2(version) ? ['-Dkafka.logging=log4j2'] : []),
        `-Dmdep.outputFile=${classpathFile}`,
      ],
      { maxBuffer: 16 * 1024 * 1024 },
    );
  } catch (error) {
    const output = (error as { stdout?: string }).stdout ?? '';
    throw new Error(
      `Maven could not resolve org.apache.kafka:kafka_2.13:${version}:\n${output.slice(-2000)}`,
    );
  }
  return (await readFile(classpathFile, 'utf8')).trim();
}

/** The JDK's keytool: from JAVA_HOME, PATH, or next to the real java binary (PATH often holds only java). */
export async function keytoolBinary(): Promise<string> {
  const fromHome = process.env['JAVA_HOME'] ? join(process.env['JAVA_HOME'], 'bin', 'keytool') : undefined;
  if (fromHome !== undefined && existsSync(fromHome)) return fromHome;
  const onPath = await findExecutable('keytool');
  if (onPath !== undefined) return onPath;
  const java = await javaBinary();
  const sibling = join(dirname(await realpath(java)), 'keytool');
  if (existsSync(sibling)) return sibling;
  throw new Error(
    `keytool is not on PATH nor next to ${java}: it comes with the JDK (apt-get install openjdk-17-jre-headless)`,
  );
}

/** A KRaft cluster id: 16 random bytes, base64url without padding, as Kafka's Uuid prints them. */
export function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

// Local test users only: names and passwords free of the characters JAAS, properties and StorageTool parse.
const SAFE_CREDENTIAL = /^[A-Za-z0-9._~-]+$/;

function checkUsers(users: readonly KafkaSaslUser[]): void {
  for (const user of users) {
    if (!SAFE_CREDENTIAL.test(user.username) || !SAFE_CREDENTIAL.test(user.password))
      throw new Error(`SASL user ${JSON.stringify(user.username)}: use letters, digits and ._~- only`);
  }
}

function saslSslProperties(listener: KafkaSaslSslListener): string[] {
  const plainUsers = listener.users.filter((u) => u.mechanism === 'PLAIN');
  const mechanisms = [...new Set(listener.users.map((u) => u.mechanism))];
  const lines = [
    `listener.name.sasl_ssl.sasl.enabled.mechanisms=${mechanisms.join(',')}`,
    `ssl.keystore.type=PKCS12`,
    `ssl.keystore.location=${listener.keystoreFile}`,
    `ssl.keystore.password=${listener.keystorePassword}`,
  ];
  if (plainUsers.length > 0) {
    const users = plainUsers.map((u) => `user_${u.username}="${u.password}"`).join(' ');
    lines.push(
      `listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required ${users};`,
    );
  }
  for (const mechanism of mechanisms.filter((m) => m !== 'PLAIN')) {
    lines.push(
      `listener.name.sasl_ssl.${mechanism.toLowerCase()}.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;`,
    );
  }
  return lines;
}

/** Where one KRaft node listens and keeps its data, and the quorum it belongs to. */
export interface NodeLayout {
  nodeId: number;
  dir: string;
  brokerPort: number;
  controllerPort: number;
  /** controller.quorum.voters: every voter's id@host:port (a static quorum) */
  voters: string;
  /** brokers in the cluster: internal topics and broker defaults get min(3, n) copies, min ISR one less */
  clusterSize: number;
}

function serverProperties(node: NodeLayout, sasl?: { port: number; listener: KafkaSaslSslListener }): string {
  const saslListener = sasl === undefined ? '' : `,SASL_SSL://127.0.0.1:${sasl.port}`;
  const copies = Math.min(3, node.clusterSize);
  const minInsync = Math.max(1, copies - 1);
  return [
    'process.roles=broker,controller',
    `node.id=${node.nodeId}`,
    `controller.quorum.voters=${node.voters}`,
    `listeners=PLAINTEXT://127.0.0.1:${node.brokerPort},CONTROLLER://127.0.0.1:${node.controllerPort}${saslListener}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${node.brokerPort}${saslListener}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    `listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT${sasl === undefined ? '' : ',SASL_SSL:SASL_SSL'}`,
    ...(sasl === undefined ? [] : saslSslProperties(sasl.listener)),
    `log.dirs=${join(node.dir, 'data')}`,
    // Topics are created explicitly by an admin step (infra/ declares them), never on first use.
    'auto.create.topics.enable=false',
    'num.partitions=1',
    // On a cluster the internal topics (group offsets, transactions) are as durable as the pipeline's own.
    `default.replication.factor=${copies}`,
    `min.insync.replicas=${minInsync}`,
    `offsets.topic.replication.factor=${copies}`,
    'offsets.topic.num.partitions=4',
    `transaction.state.log.replication.factor=${copies}`,
    `transaction.state.log.min.isr=${minInsync}`,
    'transaction.state.log.num.partitions=2',
    // Never elect a replica that missed acknowledged writes (the default; stated because the guarantee rests on it).
    'unclean.leader.election.enable=false',
    ...(node.clusterSize > 1
      ? [
          // A SIGKILLed broker is fenced (its partitions get new leaders) once its heartbeats are missed for
          // this long: Kafka's 9 s default would be most of the failover gap; on loopback 4 s is ample.
          'broker.session.timeout.ms=4000',
          'broker.heartbeat.interval.ms=500',
        ]
      : []),
    // A test broker: don't wait for more consumers before the first rebalance.
    'group.initial.rebalance.delay.ms=0',
    'log.flush.interval.messages=9223372036854775807',
    'num.network.threads=2',
    'num.io.threads=4',
    'delete.topic.enable=true',
    '',
  ].join('\n');
}

/** The JVM flags of a broker or of its storage formatting: heap, logging backend per version, classpath. */
export function jvmArguments(version: string, argFile: string, maxHeapMb: number): string[] {
  const logging = kafkaLogsThroughLog4j2(version)
    ? `-Dlog4j2.configurationFile=${join(kafkaAssets, 'log4j2.properties')}`
    : `-Dlog4j.configuration=file:${join(kafkaAssets, 'log4j.properties')}`;
  return [
    '-Xms64m',
    `-Xmx${maxHeapMb}m`,
    '-XX:+UseG1GC',
    '-XX:TieredStopAtLevel=1',
    '-Djava.awt.headless=true',
    logging,
    `@${argFile}`,
  ];
}

/** Writes a node's server.properties and JVM @argfile (the long classpath stays off the command line). */
export async function writeNodeFiles(
  node: NodeLayout,
  classpath: string,
  sasl?: { port: number; listener: KafkaSaslSslListener },
): Promise<{ propertiesFile: string; argFile: string }> {
  const propertiesFile = join(node.dir, 'server.properties');
  // It may hold passwords (keystore, PLAIN users): only this user reads it.
  await writeFile(propertiesFile, serverProperties(node, sasl), { mode: 0o600 });
  const argFile = join(node.dir, 'java.args');
  await writeFile(argFile, `-cp ${classpath}\n`);
  return { propertiesFile, argFile };
}

export async function formatStorage(
  java: string,
  jvm: readonly string[],
  clusterId: string,
  propertiesFile: string,
  extra: readonly string[] = [],
): Promise<void> {
  await execFileAsync(java, [
    ...jvm,
    'kafka.tools.StorageTool',
    'format',
    '-t',
    clusterId,
    '-c',
    propertiesFile,
    ...extra,
  ]);
}

export function spawnBroker(java: string, jvm: readonly string[], propertiesFile: string, detached: boolean) {
  const logFile = join(dirname(propertiesFile), 'kafka.log');
  const child = spawnDaemon({
    command: java,
    args: [...jvm, 'kafka.Kafka', propertiesFile],
    logFile,
    detached,
  });
  if (child.pid === undefined) throw new Error(`could not start java for Kafka (see ${logFile})`);
  return { pid: child.pid, logFile };
}

export async function logTail(logFile: string): Promise<string> {
  const log = await readFile(logFile, 'utf8').catch(() => '');
  return `--- ${logFile} (tail) ---\n${log.split('\n').slice(-30).join('\n')}`;
}

/**
 * Starts a single-node KRaft broker on free loopback ports and waits until the admin client lists topics.
 * A fresh start is tried again on new ports when one was taken before the broker bound it.
 */
export function startKafka(options: StartKafkaOptions = {}): Promise<LocalKafka> {
  return retryWhenPortTaken(options.reuse === undefined, () => startKafkaOnce(options));
}

async function startKafkaOnce(options: StartKafkaOptions): Promise<LocalKafka> {
  const started = Date.now();
  const reuse = options.reuse;
  // A restart runs the version its data was written by.
  const version = options.version ?? reuse?.version ?? kafkaVersion();
  const [classpath, java] = await Promise.all([resolveKafkaClasspath(version), javaBinary()]);
  const dir = reuse?.dir ?? (await mkdtemp(join(tmpdir(), 'okendo-kafka-')));
  const brokerPort = reuse?.brokerPort ?? (await freePort());
  const controllerPort = reuse?.controllerPort ?? (await freePort());
  const saslSslPort = options.saslSsl === undefined ? undefined : (reuse?.saslSslPort ?? (await freePort()));
  if (options.saslSsl !== undefined) checkUsers(options.saslSsl.users);
  const sasl =
    options.saslSsl === undefined || saslSslPort === undefined
      ? undefined
      : { port: saslSslPort, listener: options.saslSsl };
  const node: NodeLayout = {
    nodeId: 1,
    dir,
    brokerPort,
    controllerPort,
    voters: `1@127.0.0.1:${controllerPort}`,
    clusterSize: 1,
  };
  const { propertiesFile, argFile } = await writeNodeFiles(node, classpath, sasl);
  const jvm = jvmArguments(version, argFile, 512);
  if (reuse === undefined) {
    try {
      // KRaft keeps SCRAM credentials in the metadata log: they are written when the storage is formatted.
      await formatStorage(java, jvm, newClusterId(), propertiesFile, scramArguments(options.saslSsl));
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw new Error(`formatting Kafka storage failed: ${(error as Error).message}`);
    }
  }
  const { pid, logFile } = spawnBroker(java, jvm, propertiesFile, options.detached ?? false);
  const brokers = `127.0.0.1:${brokerPort}`;
  try {
    await waitForKafka(brokers, {
      timeoutMs: options.readyTimeoutMs ?? 60_000,
      abortIf: () => (isAlive(pid) ? undefined : 'the broker process exited'),
    });
  } catch (error) {
    const tail = await logTail(logFile);
    await stopProcess(pid, 5_000);
    await rm(dir, { recursive: true, force: true });
    throw new Error(`${(error as Error).message}\n${tail}`);
  }
  return {
    kind: 'kafka',
    version,
    brokers,
    pid,
    dir,
    brokerPort,
    controllerPort,
    ...(saslSslPort === undefined ? {} : { saslSslPort, saslSslBrokers: `127.0.0.1:${saslSslPort}` }),
    startupMs: Date.now() - started,
  };
}

function scramArguments(listener: KafkaSaslSslListener | undefined): string[] {
  return (listener?.users ?? [])
    .filter((u) => u.mechanism !== 'PLAIN')
    .flatMap((u) => ['--add-scram', `${u.mechanism}=[name=${u.username},password=${u.password}]`]);
}

/** Ready means: the admin client connects and lists topics. */
export async function waitForKafka(
  brokers: string,
  options: { timeoutMs: number; abortIf?: () => string | undefined },
): Promise<void> {
  const kafka = new Kafka({
    clientId: 'okendo-readiness',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    connectionTimeout: 1_000,
  });
  await waitUntil(
    `Kafka at ${brokers}`,
    async () => {
      const admin = kafka.admin();
      try {
        await admin.connect();
        await admin.listTopics();
        return true;
      } finally {
        await admin.disconnect();
      }
    },
    {
      timeoutMs: options.timeoutMs,
      intervalMs: 300,
      ...(options.abortIf ? { abortIf: options.abortIf } : {}),
    },
  );
}

/** Stops the broker; `keepData` leaves its dir for a restart with `reuse`; `kill` crashes it (SIGKILL). */
export async function stopKafka(
  kafka: Pick<LocalKafka, 'pid' | 'dir'>,
  options: { keepData?: boolean; graceMs?: number; kill?: boolean } = {},
): Promise<string> {
  const outcome = options.kill
    ? await killProcess(kafka.pid)
    : await stopProcess(kafka.pid, options.graceMs ?? 20_000);
  if (!options.keepData) await rm(kafka.dir, { recursive: true, force: true });
  return outcome;
}
