/**
 * A local multi-broker KRaft cluster from the same Maven jars as the single broker (kafka.ts): every node is a
 * combined broker and controller with its own ports and data dir, and the controllers form a static quorum
 * (controller.quorum.voters lists them all), so losing one node keeps both a metadata majority and, with
 * replication factor 3 and min.insync.replicas 2, acks=all writes. Nodes can be stopped, crashed and restarted
 * one by one on their data, for failover tests.
 */
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { javaBinary } from './commands.js';
import {
  formatStorage,
  jvmArguments,
  logTail,
  type NodeLayout,
  newClusterId,
  resolveKafkaClasspath,
  spawnBroker,
  writeNodeFiles,
} from './kafka.js';
import { freePort, retryWhenPortTaken } from './ports.js';
import { isAlive, killProcess, stopProcess, waitUntil } from './processes.js';
import { kafkaVersion } from './versions.js';

export interface LocalKafkaNode {
  nodeId: number;
  /** the running JVM; updated by restartKafkaNode */
  pid: number;
  dir: string;
  brokerPort: number;
  controllerPort: number;
  /** this node's own PLAINTEXT listener */
  broker: string;
}

export interface LocalKafkaCluster {
  kind: 'kafka-cluster';
  version: string;
  /** every node's listener, comma-separated (what KAFKA_BROKERS takes) */
  brokers: string;
  /** holds one dir per node */
  dir: string;
  nodes: LocalKafkaNode[];
  startupMs: number;
}

export interface StartKafkaClusterOptions {
  version?: string;
  /** 3 unless told: the smallest cluster where one node may die with RF 3 / min ISR 2 writes going on */
  nodes?: number;
  /** per JVM: three of them share a small machine */
  maxHeapMb?: number;
  readyTimeoutMs?: number;
}

/** The JVM flags of a node, from the files its first start wrote. */
function nodeJvm(cluster: Pick<LocalKafkaCluster, 'version'>, node: LocalKafkaNode, maxHeapMb: number) {
  return jvmArguments(cluster.version, join(node.dir, 'java.args'), maxHeapMb);
}

const DEFAULT_HEAP_MB = 320;

function admin(brokers: string) {
  return new Kafka({
    clientId: 'okendo-cluster-probe',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
    retry: { retries: 1, initialRetryTime: 100 },
    connectionTimeout: 1_000,
    requestTimeout: 3_000,
  }).admin();
}

/** The node ids of the brokers the cluster's metadata lists as alive (a fresh client, no cached metadata). */
export async function liveBrokerIds(brokers: string): Promise<number[]> {
  const client = admin(brokers);
  try {
    await client.connect();
    const { brokers: live } = await client.describeCluster();
    return live.map((b) => b.nodeId).sort((a, b) => a - b);
  } finally {
    await client.disconnect();
  }
}

/**
 * Starts every node at once and waits until the cluster lists all of them as brokers; started again on new
 * ports when one was taken before a node bound it.
 */
export function startKafkaCluster(options: StartKafkaClusterOptions = {}): Promise<LocalKafkaCluster> {
  return retryWhenPortTaken(true, () => startKafkaClusterOnce(options));
}

async function startKafkaClusterOnce(options: StartKafkaClusterOptions): Promise<LocalKafkaCluster> {
  const started = Date.now();
  const version = options.version ?? kafkaVersion();
  const size = options.nodes ?? 3;
  const heap = options.maxHeapMb ?? DEFAULT_HEAP_MB;
  const [classpath, java] = await Promise.all([resolveKafkaClasspath(version), javaBinary()]);
  const dir = await mkdtemp(join(tmpdir(), 'okendo-kafka-cluster-'));
  const layouts: NodeLayout[] = [];
  for (let nodeId = 1; nodeId <= size; nodeId++) {
    layouts.push({
      nodeId,
      dir: join(dir, `node-${nodeId}`),
      brokerPort: await freePort(),
      controllerPort: await freePort(),
      voters: '',
      clusterSize: size,
    });
  }
  const voters = layouts.map((n) => `${n.nodeId}@127.0.0.1:${n.controllerPort}`).join(',');
  const clusterId = newClusterId();
  const cluster: LocalKafkaCluster = {
    kind: 'kafka-cluster',
    version,
    brokers: layouts.map((n) => `127.0.0.1:${n.brokerPort}`).join(','),
    dir,
    nodes: [],
    startupMs: 0,
  };
  try {
    // Formatting and starting run in parallel: each is a JVM start, the slow part on a small machine.
    cluster.nodes = await Promise.all(
      layouts.map(async (layout) => {
        const node = { ...layout, voters };
        await mkdir(node.dir, { recursive: true });
        const { propertiesFile, argFile } = await writeNodeFiles(node, classpath);
        const jvm = jvmArguments(version, argFile, heap);
        // One cluster id for all: nodes formatted with different ids refuse each other.
        await formatStorage(java, jvm, clusterId, propertiesFile);
        const { pid } = spawnBroker(java, jvm, propertiesFile, false);
        return {
          nodeId: node.nodeId,
          pid,
          dir: node.dir,
          brokerPort: node.brokerPort,
          controllerPort: node.controllerPort,
          broker: `127.0.0.1:${node.brokerPort}`,
        };
      }),
    );
    await waitUntil(
      `Kafka cluster of ${size} at ${cluster.brokers}`,
      async () => (await liveBrokerIds(cluster.brokers)).length === size,
      {
        timeoutMs: options.readyTimeoutMs ?? 90_000,
        intervalMs: 300,
        abortIf: () => {
          const dead = cluster.nodes.find((n) => !isAlive(n.pid));
          return dead === undefined ? undefined : `node ${dead.nodeId} exited`;
        },
      },
    );
  } catch (error) {
    const tails = await Promise.all(cluster.nodes.map((n) => logTail(join(n.dir, 'kafka.log'))));
    await stopKafkaCluster(cluster, { kill: true });
    throw new Error(`${(error as Error).message}\n${tails.join('\n')}`);
  }
  cluster.startupMs = Date.now() - started;
  return cluster;
}

function nodeOf(cluster: LocalKafkaCluster, nodeId: number): LocalKafkaNode {
  const node = cluster.nodes.find((n) => n.nodeId === nodeId);
  if (node === undefined) throw new Error(`the cluster has no node ${nodeId}`);
  return node;
}

/** Stops one node (SIGTERM, or SIGKILL with `kill`: a crash); its data stays for restartKafkaNode. */
export async function stopKafkaNode(
  cluster: LocalKafkaCluster,
  nodeId: number,
  options: { kill?: boolean; graceMs?: number } = {},
): Promise<string> {
  const { pid } = nodeOf(cluster, nodeId);
  return options.kill ? await killProcess(pid) : await stopProcess(pid, options.graceMs ?? 20_000);
}

/** Starts a stopped node again on its data dir and ports; ready once the cluster lists it as a broker again. */
export async function restartKafkaNode(
  cluster: LocalKafkaCluster,
  nodeId: number,
  options: { maxHeapMb?: number; readyTimeoutMs?: number } = {},
): Promise<LocalKafkaNode> {
  const node = nodeOf(cluster, nodeId);
  if (isAlive(node.pid)) throw new Error(`node ${nodeId} is still running (pid ${node.pid})`);
  const java = await javaBinary();
  const { pid, logFile } = spawnBroker(
    java,
    nodeJvm(cluster, node, options.maxHeapMb ?? DEFAULT_HEAP_MB),
    join(node.dir, 'server.properties'),
    false,
  );
  node.pid = pid;
  try {
    await waitUntil(
      `Kafka node ${nodeId} back in the cluster`,
      async () => (await liveBrokerIds(cluster.brokers)).includes(nodeId),
      {
        timeoutMs: options.readyTimeoutMs ?? 60_000,
        intervalMs: 300,
        abortIf: () => (isAlive(pid) ? undefined : 'the broker process exited'),
      },
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${await logTail(logFile)}`);
  }
  return node;
}

/** Stops every node (in parallel) and removes the data unless `keepData`. */
export async function stopKafkaCluster(
  cluster: LocalKafkaCluster,
  options: { kill?: boolean; keepData?: boolean } = {},
): Promise<void> {
  await Promise.all(cluster.nodes.map((n) => (options.kill ? killProcess(n.pid) : stopProcess(n.pid))));
  if (!options.keepData) await rm(cluster.dir, { recursive: true, force: true });
}

/** The node leading a partition now (from the cluster's metadata), with its pid, e.g. to crash it. */
export async function partitionLeader(
  cluster: LocalKafkaCluster,
  topic: string,
  partition: number,
): Promise<LocalKafkaNode> {
  const client = admin(cluster.brokers);
  try {
    await client.connect();
    const metadata = await client.fetchTopicMetadata({ topics: [topic] });
    const leader = metadata.topics[0]?.partitions.find((p) => p.partitionId === partition)?.leader;
    if (leader === undefined || leader < 0) throw new Error(`${topic}/${partition} has no leader`);
    return nodeOf(cluster, leader);
  } finally {
    await client.disconnect();
  }
}

/**
 * The node id of the active controller (the metadata quorum's leader), from the quorum-state file each node keeps
 * in its metadata log dir: the newest epoch wins. kafkajs cannot ask (no DescribeQuorum), and in KRaft the
 * Metadata answer's controller id is any broker. Undefined before any election was recorded.
 */
export async function activeControllerId(cluster: LocalKafkaCluster): Promise<number | undefined> {
  let newest: { leaderId: number; leaderEpoch: number } | undefined;
  for (const node of cluster.nodes) {
    const file = join(node.dir, 'data', '__cluster_metadata-0', 'quorum-state');
    try {
      const state = JSON.parse(await readFile(file, 'utf8')) as { leaderId?: number; leaderEpoch?: number };
      const { leaderId, leaderEpoch } = state;
      if (typeof leaderId !== 'number' || typeof leaderEpoch !== 'number' || leaderId < 0) continue;
      if (newest === undefined || leaderEpoch > newest.leaderEpoch) newest = { leaderId, leaderEpoch };
    } catch {
      // not written yet, or being rewritten: the other nodes' files answer
    }
  }
  return newest?.leaderId;
}
