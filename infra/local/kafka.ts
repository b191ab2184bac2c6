import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { execFileAsync, findExecutable, localAsset } from './commands.js';
import { freePort } from './ports.js';
import { isAlive, killProcess, spawnDaemon, stopProcess, waitUntil } from './processes.js';
import { kafkaVersion } from './versions.js';

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
  startupMs: number;
}

export interface StartKafkaOptions {
  version?: string;
  /** true for `infra:up` (the broker outlives the command); false in tests. */
  detached?: boolean;
  readyTimeoutMs?: number;
  /** Restart a stopped broker on its old data dir and ports (fault tests); a fresh temp dir otherwise. */
  reuse?: Pick<LocalKafka, 'dir' | 'brokerPort' | 'controllerPort'>;
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

async function javaBinary(): Promise<string> {
  const fromHome = process.env['JAVA_HOME'] ? join(process.env['JAVA_HOME'], 'bin', 'java') : undefined;
  if (fromHome !== undefined && existsSync(fromHome)) return fromHome;
  const java = await findExecutable('java');
  if (java === undefined)
    throw new Error('java is not on PATH: Kafka needs Java 17+ (apt-get install openjdk-17-jre-headless)');
  return java;
}

/** A KRaft cluster id: 16 random bytes, base64url without padding, as Kafka's Uuid prints them. */
function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function serverProperties(dir: string, brokerPort: number, controllerPort: number): string {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${brokerPort},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${brokerPort}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${join(dir, 'data')}`,
    // Topics are created explicitly by an admin step (infra/ declares them), never on first use.
    'auto.create.topics.enable=false',
    'num.partitions=1',
    'default.replication.factor=1',
    'min.insync.replicas=1',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=4',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=2',
    // A single-node test broker: don't wait for more consumers before the first rebalance.
    'group.initial.rebalance.delay.ms=0',
    'log.flush.interval.messages=9223372036854775807',
    'num.network.threads=2',
    'num.io.threads=4',
    'delete.topic.enable=true',
    '',
  ].join('\n');
}

/** Starts a single-node KRaft broker on free loopback ports and waits until the admin client lists topics. */
export async function startKafka(options: StartKafkaOptions = {}): Promise<LocalKafka> {
  const started = Date.now();
  const version = options.version ?? kafkaVersion();
  const [classpath, java] = await Promise.all([resolveKafkaClasspath(version), javaBinary()]);
  const reuse = options.reuse;
  const dir = reuse?.dir ?? (await mkdtemp(join(tmpdir(), 'okendo-kafka-')));
  const brokerPort = reuse?.brokerPort ?? (await freePort());
  const controllerPort = reuse?.controllerPort ?? (await freePort());
  const propertiesFile = join(dir, 'server.properties');
  await writeFile(propertiesFile, serverProperties(dir, brokerPort, controllerPort));
  // A Java @argfile keeps the long classpath off the visible command line.
  const argFile = join(dir, 'java.args');
  await writeFile(argFile, `-cp ${classpath}\n`);
  const jvm = [
    '-Xms128m',
    '-Xmx512m',
    '-XX:+UseG1GC',
    '-XX:TieredStopAtLevel=1',
    '-Djava.awt.headless=true',
    `-Dlog4j.configuration=file:${join(kafkaAssets, 'log4j.properties')}`,
    `@${argFile}`,
  ];
  if (reuse === undefined) {
    try {
      await execFileAsync(java, [
        ...jvm,
        'kafka.tools.StorageTool',
        'format',
        '-t',
        newClusterId(),
        '-c',
        propertiesFile,
      ]);
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw new Error(`formatting Kafka storage failed: ${(error as Error).message}`);
    }
  }
  const logFile = join(dir, 'kafka.log');
  const child = spawnDaemon({
    command: java,
    args: [...jvm, 'kafka.Kafka', propertiesFile],
    logFile,
    detached: options.detached ?? false,
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start java for Kafka (see ${logFile})`);
  const brokers = `127.0.0.1:${brokerPort}`;
  try {
    await waitForKafka(brokers, {
      timeoutMs: options.readyTimeoutMs ?? 60_000,
      abortIf: () => (isAlive(pid) ? undefined : 'the broker process exited'),
    });
  } catch (error) {
    const log = await readFile(logFile, 'utf8').catch(() => '');
    await stopProcess(pid, 5_000);
    await rm(dir, { recursive: true, force: true });
    throw new Error(
      `${(error as Error).message}\n--- kafka.log (tail) ---\n${log.split('\n').slice(-30).join('\n')}`,
    );
  }
  return {
    kind: 'kafka',
    version,
    brokers,
    pid,
    dir,
    brokerPort,
    controllerPort,
    startupMs: Date.now() - started,
  };
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
