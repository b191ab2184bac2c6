/**
 * A local ClickHouse cluster: one ZooKeeper and N shards x M replicas of the ClickHouse server, each node a
 * process of its own (ports, dirs, config) with the cluster in `remote_servers` (internal_replication: a
 * Distributed insert goes to one replica per shard and replication copies it), `{shard}`/`{replica}` macros,
 * the ZooKeeper and the distributed DDL queue (ON CLUSTER). Nodes start in parallel; each can be crashed
 * (SIGKILL) and restarted on its own data dir and ports, as a fault test needs.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LocalClickHouse, startClickHouseServer, stopClickHouseServer } from './clickhouse-server.js';
import { freePort, retryWhenPortTaken } from './ports.js';
import { isAlive, waitUntil } from './processes.js';
import { type LocalZooKeeper, startZooKeeper, stopZooKeeper } from './zookeeper.js';

export interface ClusterNodeAddress {
  shard: number;
  replica: number;
  dir: string;
  httpPort: number;
  tcpPort: number;
  interserverPort: number;
}

export interface ClusterNode extends ClusterNodeAddress {
  server: LocalClickHouse;
}

export interface LocalClickHouseCluster {
  kind: 'clickhouse-cluster';
  /** The name in remote_servers, what CLICKHOUSE_CLUSTER names. */
  name: string;
  zooKeeper: LocalZooKeeper;
  nodes: ClusterNode[];
  /** Temp dir holding every node's dir; removed on stop. */
  dir: string;
  timezone: string | undefined;
  startupMs: number;
}

export interface StartClusterOptions {
  name?: string;
  shards?: number;
  replicas?: number;
  timezone?: string;
}

/** Settings every session of a cluster needs (in each node's default profile; the sink also sends them). */
export const CLUSTER_PROFILE_SETTINGS = {
  // The _current views join a child table with its parent's subquery: both are Distributed, and a child is on
  // its parent's shard, so each shard joins its own local tables (the default, deny, refuses such a join).
  distributed_product_mode: 'local',
  // A Distributed insert returns once every shard has the rows, so an acknowledged write is on a replica.
  insert_distributed_sync: '1',
  // A shard's first replica takes its reads and writes while it is up (the default picks one at random): a test
  // that crashes it knows the writes were going there.
  load_balancing: 'in_order',
} as const;

function remoteServersXml(name: string, nodes: readonly ClusterNodeAddress[], shards: number): string {
  const shardXml: string[] = [];
  for (let shard = 1; shard <= shards; shard++) {
    const replicas = nodes
      .filter((node) => node.shard === shard)
      .map((node) => `        <replica><host>127.0.0.1</host><port>${node.tcpPort}</port></replica>`);
    shardXml.push(
      `      <shard>\n        <internal_replication>true</internal_replication>\n${replicas.join('\n')}\n      </shard>`,
    );
  }
  return `  <remote_servers>\n    <${name}>\n${shardXml.join('\n')}\n    </${name}>\n  </remote_servers>\n`;
}

function nodeConfigXml(
  name: string,
  node: ClusterNodeAddress,
  nodes: readonly ClusterNodeAddress[],
  shards: number,
  zooKeeperPort: number,
): string {
  return `${remoteServersXml(name, nodes, shards)}  <macros>
    <shard>${node.shard}</shard>
    <replica>s${node.shard}r${node.replica}</replica>
  </macros>
  <zookeeper>
    <node><host>127.0.0.1</host><port>${zooKeeperPort}</port></node>
    <session_timeout_ms>10000</session_timeout_ms>
  </zookeeper>
  <distributed_ddl>
    <path>/clickhouse/task_queue/ddl</path>
  </distributed_ddl>
  <interserver_http_host>127.0.0.1</interserver_http_host>
  <interserver_http_port>${node.interserverPort}</interserver_http_port>
`;
}

function profileXml(): string {
  return Object.entries(CLUSTER_PROFILE_SETTINGS)
    .map(([setting, value]) => `      <${setting}>${value}</${setting}>\n`)
    .join('');
}

async function startNode(
  cluster: Pick<LocalClickHouseCluster, 'name' | 'zooKeeper'>,
  node: ClusterNodeAddress,
  nodes: readonly ClusterNodeAddress[],
  shards: number,
  timezone: string | undefined,
): Promise<LocalClickHouse> {
  const start = () =>
    startClickHouseServer({
      reuse: { dir: node.dir, httpPort: node.httpPort, tcpPort: node.tcpPort },
      extraConfigXml: nodeConfigXml(cluster.name, node, nodes, shards, cluster.zooKeeper.port),
      extraProfileXml: profileXml(),
      readyTimeoutMs: 90_000,
      ...(timezone === undefined ? {} : { timezone }),
    });
  // 18.16 gives ZooKeeper 1 s to connect; a node that missed it at start later crashed on its first ON CLUSTER
  // query. A node is ready once it reads ZooKeeper; one that cannot (or died trying) is started again.
  for (let attempt = 1; ; attempt++) {
    const server = await start();
    try {
      await waitUntil(
        `ClickHouse node s${node.shard}r${node.replica} reading ZooKeeper`,
        () => readsZooKeeper(server.url),
        {
          timeoutMs: 20_000,
          intervalMs: 250,
          abortIf: () => (isAlive(server.pid) ? undefined : 'the server process exited'),
        },
      );
      return server;
    } catch (error) {
      await stopClickHouseServer(server, { kill: true, keepData: true });
      if (attempt === 3) throw error;
    }
  }
}

async function readsZooKeeper(url: string): Promise<boolean> {
  const query = "SELECT count() FROM system.zookeeper WHERE path = '/'";
  const response = await fetch(`${url}/?query=${encodeURIComponent(query)}`);
  await response.arrayBuffer();
  return response.ok;
}

/**
 * Starts ZooKeeper, then every node in parallel; 2 shards x 2 replicas by default. Started again on new ports
 * when one was taken before ZooKeeper or a node bound it.
 */
export function startClickHouseCluster(options: StartClusterOptions = {}): Promise<LocalClickHouseCluster> {
  return retryWhenPortTaken(true, () => startClickHouseClusterOnce(options));
}

async function startClickHouseClusterOnce(options: StartClusterOptions): Promise<LocalClickHouseCluster> {
  const started = Date.now();
  const name = options.name ?? 'okendo_cluster';
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`invalid cluster name ${JSON.stringify(name)}`);
  const shards = options.shards ?? 2;
  const replicas = options.replicas ?? 2;
  const dir = await mkdtemp(join(tmpdir(), 'okendo-ch-cluster-'));
  const addresses: ClusterNodeAddress[] = [];
  for (let shard = 1; shard <= shards; shard++) {
    for (let replica = 1; replica <= replicas; replica++) {
      addresses.push({
        shard,
        replica,
        dir: join(dir, `s${shard}r${replica}`),
        httpPort: await freePort(),
        tcpPort: await freePort(),
        interserverPort: await freePort(),
      });
    }
  }
  let zooKeeper: LocalZooKeeper | undefined;
  const servers: LocalClickHouse[] = [];
  try {
    zooKeeper = await startZooKeeper();
    const cluster = { name, zooKeeper };
    const outcomes = await Promise.allSettled(
      addresses.map((node) => startNode(cluster, node, addresses, shards, options.timezone)),
    );
    for (const outcome of outcomes) if (outcome.status === 'fulfilled') servers.push(outcome.value);
    const failed = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
    const nodes = addresses.map((address, index) => ({
      ...address,
      server: servers[index] as LocalClickHouse,
    }));
    return {
      kind: 'clickhouse-cluster',
      name,
      zooKeeper,
      nodes,
      dir,
      timezone: options.timezone,
      startupMs: Date.now() - started,
    };
  } catch (error) {
    await Promise.all(
      servers.map((server) => stopClickHouseServer(server, { keepData: true, graceMs: 5_000 })),
    );
    if (zooKeeper !== undefined) await stopZooKeeper(zooKeeper);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** Crashes one node (SIGKILL); its data dir and ports stay for restartClusterNode. */
export async function killClusterNode(node: ClusterNode): Promise<void> {
  await stopClickHouseServer(node.server, { kill: true, keepData: true });
}

/** Restarts a stopped or crashed node on its own data dir and ports; `node.server` is the new process. */
export async function restartClusterNode(cluster: LocalClickHouseCluster, node: ClusterNode): Promise<void> {
  const shards = Math.max(...cluster.nodes.map((each) => each.shard));
  node.server = await startNode(cluster, node, cluster.nodes, shards, cluster.timezone);
}

export async function stopClickHouseCluster(cluster: LocalClickHouseCluster): Promise<void> {
  await Promise.all(
    cluster.nodes.map((node) => stopClickHouseServer(node.server, { keepData: true, graceMs: 10_000 })),
  );
  await stopZooKeeper(cluster.zooKeeper);
  await rm(cluster.dir, { recursive: true, force: true });
}
