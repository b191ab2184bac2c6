/**
 * Cluster mode on a real cluster: ZooKeeper and 2 shards x 2 replicas of the ClickHouse 18.16 server, started once
 * for this file. The migrations apply twice ON CLUSTER; then the traffic generator's stream goes through the
 * ingest and Kafka to two sinks, one writing to the cluster (CLICKHOUSE_CLUSTER), one to the run's single server,
 * while one replica is SIGKILLed and restarted. Every view and the README's example queries must answer the same
 * on both; no acknowledged event may be missing or doubled; each shard holds only its hash range; the restarted
 * replica catches up with its peer.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CLUSTER_TABLE_LAYOUTS,
  LOCAL_TABLE_SUFFIX,
  type MigrationReport,
  migrate,
} from '@okendo/infra/clickhouse';
import {
  type ClusterNode,
  freePort,
  killClusterNode,
  type LocalClickHouseCluster,
  restartClusterNode,
  startClickHouseCluster,
  stopClickHouseCluster,
  zooKeeperMissing,
} from '@okendo/infra/local';
import { ClickHouseServerWarehouse, rebuildState } from '@okendo/sink';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInfra, titleWithSkipReason } from '../harness/infra.js';
import { uniqueName } from '../harness/names.js';
import { nativeToolchainMissing } from '../harness/native-toolchain.js';
import { type ServiceProcess, startService, stopService } from '../harness/service-process.js';
import { checkWarehouse, totalDuplicates } from '../harness/warehouse-checks.js';
import { newWebhookSecret } from '../harness/webhook-signer.js';
import { DeliveryLedger } from '../traffic/delivery-ledger.js';
import { planDeliveries } from '../traffic/planned-deliveries.js';
import { runTraffic } from '../traffic/traffic-generator.js';
import { repoRoot } from '../vitest.shared.js';

const infra = runInfra();
const required = process.env['REQUIRE_INFRA'] === '1';
const missingParts = [
  await nativeToolchainMissing(),
  await zooKeeperMissing(),
  infra.kafka === undefined ? `no Kafka (${infra.unavailable.kafka})` : undefined,
  infra.clickhouse === undefined ? `no ClickHouse server (${infra.unavailable.clickhouse})` : undefined,
].filter((reason) => reason !== undefined);
const skipReason = missingParts.length === 0 ? undefined : missingParts.join('; ');

const SHARDS = 2;
const database = uniqueName('okendo_cluster');
type Row = Record<string, unknown>;

let cluster: LocalClickHouseCluster;
/** The sink's entry node (shard 1, replica 1): never the one killed. */
let entry: ClickHouseServerWarehouse;
let firstMigration: MigrationReport;
let migrationSeconds = 0;

function node(shard: number, replica: number): ClusterNode {
  const found = cluster.nodes.find((n) => n.shard === shard && n.replica === replica);
  if (found === undefined) throw new Error(`no node s${shard}r${replica}`);
  return found;
}

/** A client of one node, for what only that node holds (its local tables). */
async function onNode<T>(target: ClusterNode, use: (warehouse: ClickHouseServerWarehouse) => Promise<T>) {
  const warehouse = new ClickHouseServerWarehouse({ url: target.server.url, cluster: cluster.name });
  try {
    return await use(warehouse);
  } finally {
    await warehouse.close();
  }
}

const sharded = Object.entries(CLUSTER_TABLE_LAYOUTS).flatMap(([table, layout]) =>
  layout.kind === 'sharded' ? [{ table, shardingKey: layout.shardingKey }] : [],
);

async function exampleQueries(): Promise<string[]> {
  const readme = await readFile(join(repoRoot, 'infra', 'clickhouse', 'README.md'), 'utf8');
  const section = readme.split(/^## Example queries\s*$/m)[1]?.split(/^## /m)[0] ?? '';
  return [...section.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => (m[1] ?? '').trim());
}

/** A view's rows as sorted JSON lines, without columns that say when a row was written (not what it says). */
async function viewRows(warehouse: ClickHouseServerWarehouse, db: string, view: string): Promise<string[]> {
  const columns = await warehouse.query<{ name: string }>(
    `SELECT name FROM system.columns WHERE database = '${db}' AND table = '${view}' AND name != 'inserted_at'`,
  );
  const select = columns.map((c) => `\`${c.name}\``).join(', ');
  const rows = await warehouse.query<Row>(`SELECT ${select} FROM ${db}.\`${view}\``);
  return rows.map((row) => JSON.stringify(row)).sort();
}

describe.skipIf(skipReason !== undefined && !required)(
  titleWithSkipReason('ClickHouse cluster mode (2 shards x 2 replicas)', skipReason),
  () => {
    beforeAll(async () => {
      if (skipReason !== undefined)
        throw new Error(`REQUIRE_INFRA=1: the cluster test cannot run: ${skipReason}`);
      cluster = await startClickHouseCluster({ shards: SHARDS, replicas: 2 });
      console.log(`cluster: ZooKeeper + ${cluster.nodes.length} servers ready in ${cluster.startupMs} ms`);
      entry = new ClickHouseServerWarehouse({ url: node(1, 1).server.url, cluster: cluster.name });
      const started = Date.now();
      firstMigration = await migrate(entry, database).catch(async (error: unknown) => {
        // A DDL task one node never finished: what each node's DDLWorker did is the only clue, and the
        // cluster's dirs go with the cluster.
        for (const each of cluster.nodes) {
          const log = await readFile(join(each.dir, 'log', 'clickhouse-server.log'), 'utf8').catch(() => '');
          const lines = log.split('\n').filter((line) => line.trim() !== ''); // warnings and errors only
          console.log(
            `--- node s${each.shard}r${each.replica} (last 25 of ${lines.length}) ---\n${lines.slice(-25).join('\n')}`,
          );
        }
        throw error;
      });
      migrationSeconds = (Date.now() - started) / 1_000;
      console.log(`cluster migrations (first run): ${migrationSeconds.toFixed(1)} s`);
    }, 300_000);

    afterAll(async () => {
      await entry?.close();
      if (cluster !== undefined) await stopClickHouseCluster(cluster);
    });

    it('migrations apply twice ON CLUSTER; every node has the bookkeeping, local tables and Distributed tables', async () => {
      expect(firstMigration.applied.length).toBeGreaterThan(0);
      expect(firstMigration.alreadyApplied).toEqual([]);
      const second = await migrate(entry, database);
      expect(second.applied).toEqual([]);
      expect(second.alreadyApplied).toEqual(firstMigration.applied);
      for (const each of cluster.nodes) {
        await onNode(each, async (warehouse) => {
          // Replication is asynchronous: wait until this node has fetched what the entry node recorded.
          await warehouse.command(`SYSTEM SYNC REPLICA ${database}.schema_migrations`);
          const versions = await warehouse.query<{ version: number }>(
            `SELECT DISTINCT version FROM ${database}.schema_migrations ORDER BY version`,
          );
          expect(versions).toHaveLength(firstMigration.applied.length);
          const engines = new Map(
            (
              await warehouse.query<{ name: string; engine: string }>(
                `SELECT name, engine FROM system.tables WHERE database = '${database}'`,
              )
            ).map((row) => [row.name, row.engine]),
          );
          for (const { table } of sharded) {
            expect(engines.get(table), `${table} on s${each.shard}r${each.replica}`).toBe('Distributed');
            expect(engines.get(`${table}${LOCAL_TABLE_SUFFIX}`)).toMatch(/^Replicated\w*MergeTree$/);
          }
          expect(engines.get('reviews_current')).toBe('View');
          expect(engines.get('schema_migrations')).toBe('ReplicatedMergeTree');
        });
      }
    });

    it('an audit row written on one node is read on every node; a read-only query joins the child views', async () => {
      const at = Math.floor(Date.now() / 1_000);
      await entry.insertJsonEachRow(`${database}.operator_audit`, [
        {
          at,
          at_ms: at * 1_000,
          actor: 'cluster-test',
          command: 'rebuild',
          target: 'reviews',
          outcome: 'ok',
          detail: '',
        },
      ]);
      for (const each of cluster.nodes) {
        await onNode(each, async (warehouse) => {
          await warehouse.command(`SYSTEM SYNC REPLICA ${database}.operator_audit`);
          const rows = await warehouse.query<{ actor: string }>(
            `SELECT actor FROM ${database}.operator_audit`,
          );
          expect(rows, `operator_audit on s${each.shard}r${each.replica}`).toEqual([
            { actor: 'cluster-test' },
          ]);
        });
      }
      // What POST /sql and `npm run sql` run: readonly=1 beside the cluster's session settings.
      const limits = { maxResultRows: 1_000, maxResultBytes: 1_048_576, maxExecutionSeconds: 30 };
      await expect(
        entry.readOnlyQuery(`SELECT count() AS tags FROM ${database}.review_tags_current`, limits),
      ).resolves.toEqual([{ tags: '0' }]);
    });

    it('a stream through the pipeline answers as on one server; a replica SIGKILLed mid-stream loses and doubles nothing', async () => {
      const reference = infra.clickhouse;
      const kafka = infra.kafka;
      if (reference === undefined || kafka === undefined) throw new Error('no shared Kafka / ClickHouse');
      const referenceDatabase = uniqueName('okendo_cluster_ref');
      const referenceWarehouse = new ClickHouseServerWarehouse(reference);
      const dir = await mkdtemp(join(tmpdir(), 'okendo-cluster-'));
      const prefix = uniqueName('c').replaceAll('_', '-');
      const secret = newWebhookSecret();
      const [ingestPort, clusterSinkPort, referenceSinkPort] = [
        await freePort(),
        await freePort(),
        await freePort(),
      ];
      const common = {
        KAFKA_BROKERS: kafka.brokers,
        KAFKA_TOPIC_PREFIX: `${prefix}.`,
        LOG_LEVEL: 'warn',
      };
      const sinkEnv = {
        ...common,
        CLICKHOUSE_USER: 'default',
        CLICKHOUSE_PASSWORD: '',
        SINK_MAX_WAIT_MS: '100',
        SINK_RETRY_MAX_BACKOFF_MS: '1000',
      };
      const services: ServiceProcess[] = [];
      const started = Date.now();
      try {
        services.push(
          await startService(
            'ingest',
            {
              ...common,
              OKENDO_WEBHOOK_SECRETS: secret,
              INGEST_PORT: String(ingestPort),
              // Sender retries and duplicates reach both warehouses: their deduplication is under test.
              INGEST_DEDUPE_WINDOW_SECONDS: '0',
            },
            { port: ingestPort, logFile: join(dir, 'ingest.log') },
          ),
        );
        // Two consumer groups read the same topics: the same stream goes to the cluster and to one server.
        const sinks = await Promise.all([
          startService(
            'sink',
            {
              ...sinkEnv,
              CLICKHOUSE_URL: node(1, 1).server.url,
              CLICKHOUSE_CLUSTER: cluster.name,
              CLICKHOUSE_DATABASE: database,
              SINK_GROUP_ID: `${prefix}-cluster`,
              SINK_PORT: String(clusterSinkPort),
            },
            { port: clusterSinkPort, logFile: join(dir, 'sink-cluster.log'), name: 'sink-cluster' },
          ),
          startService(
            'sink',
            {
              ...sinkEnv,
              CLICKHOUSE_URL: reference.url,
              CLICKHOUSE_DATABASE: referenceDatabase,
              SINK_GROUP_ID: `${prefix}-single`,
              SINK_PORT: String(referenceSinkPort),
            },
            { port: referenceSinkPort, logFile: join(dir, 'sink-single.log'), name: 'sink-single' },
          ),
        ]);
        services.push(...sinks);

        const ledger = new DeliveryLedger();
        const deliveries = planDeliveries({
          prefix,
          entities: 200,
          maxVersionsPerEntity: 4,
          deleteRatio: 0.15,
          seed: 14,
        });
        const traffic = runTraffic({
          url: `http://127.0.0.1:${ingestPort}/webhooks/okendo`,
          secret,
          deliveries,
          ratePerSecond: 80,
          outOfOrderWindow: 25,
          duplicateRatio: 0.05,
          requestTimeoutMs: 10_000,
          seed: 15,
          ledger,
        });
        // Mid-stream: crash shard 2's first replica (the one a Distributed insert tries first), bring it back.
        const victim = node(2, 1);
        await sleep(2_500);
        await killClusterNode(victim);
        await sleep(3_000);
        await restartClusterNode(cluster, victim);
        await traffic;

        // Drain: until every acknowledged message is in both event logs.
        const storable = ledger.storable().map((d) => d.messageId);
        const storedIn = async (warehouse: ClickHouseServerWarehouse, db: string) =>
          new Set(
            (
              await warehouse.query<{ message_id: string }>(
                `SELECT DISTINCT message_id FROM ${db}.events WHERE message_id LIKE 'msg_${prefix}-%'`,
              )
            ).map((row) => row.message_id),
          );
        let lost = storable.length;
        const deadline = Date.now() + 120_000;
        while (Date.now() < deadline) {
          const [inCluster, inReference] = await Promise.all([
            storedIn(entry, database).catch(() => new Set<string>()),
            storedIn(referenceWarehouse, referenceDatabase).catch(() => new Set<string>()),
          ]);
          lost = storable.filter((id) => !inCluster.has(id)).length;
          if (lost === 0 && storable.every((id) => inReference.has(id))) break;
          await sleep(250);
        }
        await sleep(1_000);
        expect(ledger.acknowledged.size).toBeGreaterThan(200);
        expect(lost, 'acknowledged events missing from the cluster').toBe(0);

        // The restarted replica catches up: each local table holds what its peer holds. Before any comparison:
        // a shard's first replica answers its reads, and right after its restart it may still be fetching what
        // its peer took meanwhile (a Distributed read does not wait for a lagging replica).
        const peer = node(2, 2);
        for (const { table } of sharded) {
          const local = `${database}.${table}${LOCAL_TABLE_SUFFIX}`;
          const count = (target: ClusterNode) =>
            onNode(target, async (warehouse) => {
              await warehouse.command(`SYSTEM SYNC REPLICA ${local}`);
              const [row] = await warehouse.query<{ rows: string }>(
                `SELECT count() AS rows FROM ${local} FINAL`,
              );
              return Number(row?.rows);
            });
          expect(await count(victim), `${table} on the restarted replica`).toBe(await count(peer));
        }
        // The event log holds each message once through FINAL (a redelivery collapses on its shard).
        const [events] = await entry.query<{ rows: string; messages: string }>(
          `SELECT count() AS rows, uniqExact(message_id) AS messages FROM ${database}.events FINAL`,
        );
        expect(Number(events?.rows)).toBe(Number(events?.messages));

        // The single server is right (checked against the ledger) ...
        const referenceCheck = await checkWarehouse(
          referenceWarehouse,
          referenceDatabase,
          ledger.expectedState(),
        );
        expect(totalDuplicates(referenceCheck.duplicates)).toBe(0);
        expect(referenceCheck.wrongState, referenceCheck.mismatches.join('; ')).toBe(0);

        // ... and the cluster answers every view, and the README's example queries, exactly as it does.
        const views = (
          await referenceWarehouse.query<{ name: string }>(
            `SELECT name FROM system.tables WHERE database = '${referenceDatabase}' AND engine = 'View' ORDER BY name`,
          )
        ).map((row) => row.name);
        expect(views.length).toBeGreaterThan(20);
        const compareViews = async (when: string): Promise<number> => {
          let rows = 0;
          for (const view of views) {
            const expected = await viewRows(referenceWarehouse, referenceDatabase, view);
            const actual = await viewRows(entry, database, view);
            expect(actual, `view ${view} ${when}`).toEqual(expected);
            rows += expected.length;
          }
          return rows;
        };
        const comparedRows = await compareViews('after the stream');
        // rebuild (the CLI's `rebuild`) reads the event log and writes every derived table again, through the
        // Distributed tables like the sink: the answers stay the same.
        const rebuilt = await rebuildState({ warehouse: entry, database });
        expect(rebuilt.refused).toEqual({});
        expect(rebuilt.notPlanned).toEqual({});
        await compareViews('after a rebuild');
        const queries = await exampleQueries();
        expect(queries).toHaveLength(6);
        for (const query of queries) {
          const answer = async (warehouse: ClickHouseServerWarehouse, db: string) =>
            (await warehouse.query<Row>(query.replaceAll('okendo.', `${db}.`)))
              .map((r) => JSON.stringify(r))
              .sort();
          expect(await answer(entry, database), query).toEqual(
            await answer(referenceWarehouse, referenceDatabase),
          );
        }

        // Each shard holds only entities of its hash range (hash % shards = shard - 1), on every replica.
        for (const each of cluster.nodes) {
          await onNode(each, async (warehouse) => {
            for (const { table, shardingKey } of sharded) {
              const [row] = await warehouse.query<{ outside: string }>(
                `SELECT countIf(${shardingKey} % ${SHARDS} != ${each.shard - 1}) AS outside FROM ${database}.${table}${LOCAL_TABLE_SUFFIX}`,
              );
              expect(Number(row?.outside), `${table} on s${each.shard}r${each.replica}`).toBe(0);
            }
          });
        }

        const metrics = await (await fetch(`http://127.0.0.1:${clusterSinkPort}/metrics`)).text();
        const retries = metrics
          .split('\n')
          .filter((line) => line.startsWith('sink_insert_retries_total'))
          .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
        console.log(
          `cluster traffic: ${ledger.acknowledged.size} acknowledged, ${storable.length} stored, lost ${lost}, ` +
            `${retries} insert retries of the cluster sink around the kill, ` +
            `${views.length} views (${comparedRows} rows) equal, ${((Date.now() - started) / 1_000).toFixed(1)} s`,
        );
        await rm(dir, { recursive: true, force: true });
      } catch (error) {
        console.error(`cluster test logs kept in ${dir}`);
        throw error;
      } finally {
        await Promise.all(services.map((service) => stopService(service, 'SIGTERM')));
        await referenceWarehouse
          .command(`DROP DATABASE IF EXISTS ${referenceDatabase}`)
          .catch(() => undefined);
        await referenceWarehouse.close();
      }
    }, 300_000);
  },
);
