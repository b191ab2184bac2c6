/**
 * A whole pipeline for one test: the real ingest and the real sink on topics, a consumer group and a database
 * of their own, over the run's Kafka and a warehouse (the ClickHouse server, or chDB in this process).
 * Queries go through the sink's read-only POST /sql (JSON, with SINK_SQL_TOKEN when the test sets one), the
 * path `npm run sql` takes in embedded mode.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WebhookFixture } from '@okendo/schemas';
import {
  ChdbWarehouse,
  ClickHouseServerWarehouse,
  loadSinkConfig,
  type RunningSink,
  startSink,
  type Warehouse,
} from '@okendo/sink';
import type { ClickHouseEndpoint, ProvidedInfra } from './infra-context.js';
import { startTestIngest, type TestIngest } from './ingest.js';
import { uniqueName } from './names.js';
import { signedHeaders } from './webhook-signer.js';

export type WarehouseTarget = { kind: 'server'; endpoint: ClickHouseEndpoint } | { kind: 'chdb' };

export interface TestPipeline {
  ingest: TestIngest;
  sink: RunningSink;
  database: string;
  groupId: string;
  post: (fixture: Pick<WebhookFixture, 'body'>, id?: string) => Promise<number>;
  sql: <Row = Record<string, unknown>>(query: string) => Promise<Row[]>;
  /** Polls `query` until `done(rows)` holds; returns the last rows. */
  waitFor: <Row = Record<string, unknown>>(
    query: string,
    done: (rows: Row[]) => boolean,
    timeoutMs?: number,
  ) => Promise<Row[]>;
  stop: () => Promise<void>;
}

export interface PipelineTarget {
  name: string;
  target: () => WarehouseTarget | undefined;
  /** why this target cannot run (for the skip title), undefined when it can */
  missing: string | undefined;
}

/** The two warehouses a whole pipeline runs on in tests: the ClickHouse server and embedded chDB. */
export function pipelineTargets(infra: ProvidedInfra): PipelineTarget[] {
  return [
    {
      name: 'ClickHouse server',
      target: () => (infra.clickhouse ? { kind: 'server', endpoint: infra.clickhouse } : undefined),
      missing: infra.unavailable.kafka ?? infra.unavailable.clickhouse,
    },
    {
      name: 'chDB',
      target: () => (infra.chdb ? { kind: 'chdb' } : undefined),
      missing: infra.unavailable.kafka ?? infra.unavailable.chdb,
    },
  ];
}

export function sinkEnv(target: WarehouseTarget, dataDir: string): Record<string, string> {
  return target.kind === 'server'
    ? {
        CLICKHOUSE_URL: target.endpoint.url,
        CLICKHOUSE_USER: target.endpoint.username,
        CLICKHOUSE_PASSWORD: target.endpoint.password,
      }
    : { CHDB_DATA_DIR: dataDir };
}

export async function startTestPipeline(
  brokers: string,
  target: WarehouseTarget,
  env: Record<string, string> = {},
): Promise<TestPipeline> {
  const ingest = await startTestIngest(brokers);
  const database = uniqueName('okendo_test');
  const groupId = uniqueName('sink');
  const dataDir = await mkdtemp(join(tmpdir(), 'okendo-chdb-'));
  const sink = await startSink(
    loadSinkConfig({
      KAFKA_BROKERS: brokers,
      KAFKA_TOPIC_PREFIX: ingest.prefix,
      SINK_GROUP_ID: groupId,
      CLICKHOUSE_DATABASE: database,
      SINK_PORT: '0',
      SINK_MAX_WAIT_MS: '100',
      SINK_RETRY_INITIAL_BACKOFF_MS: '100',
      SINK_RETRY_MAX_BACKOFF_MS: '1000',
      LOG_LEVEL: 'warn',
      ...sinkEnv(target, dataDir),
      ...env,
    }),
  );
  const sql = async <Row>(query: string): Promise<Row[]> => {
    const token = env['SINK_SQL_TOKEN'];
    const response = await fetch(`${sink.url}/sql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      },
      body: JSON.stringify({ query }),
    });
    const body = (await response.json()) as { rows?: Row[]; error?: { code: string; message: string } };
    if (!response.ok) {
      throw new Error(`${body.error?.code ?? response.status}: ${body.error?.message ?? ''}\n${query}`);
    }
    return body.rows ?? [];
  };
  return {
    ingest,
    sink,
    database,
    groupId,
    post: async (fixture, id) => {
      const response = await fetch(`${ingest.url}/webhooks/okendo`, {
        method: 'POST',
        headers: signedHeaders(ingest.secret, fixture.body, id === undefined ? {} : { id }),
        body: fixture.body,
      });
      await response.arrayBuffer();
      return response.status;
    },
    sql,
    waitFor: async <Row>(query: string, done: (rows: Row[]) => boolean, timeoutMs = 30_000) => {
      const deadline = Date.now() + timeoutMs;
      let rows: Row[] = [];
      while (Date.now() < deadline) {
        rows = await sql<Row>(query);
        if (done(rows)) return rows;
        await sleep(200);
      }
      throw new Error(`timed out waiting for ${query}: last rows ${JSON.stringify(rows).slice(0, 500)}`);
    },
    stop: async () => {
      await ingest.stop();
      await sink.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface PipelineWithAdmin {
  pipeline: TestPipeline;
  /** a direct connection for DDL and checks (the sink's /sql is read-only): the server, or chDB's dir in this process */
  admin: Warehouse;
  /** the sink's chDB data dir, which admin opens too (made, but unused, on the server) */
  dataDir: string;
  /** closes admin, stops the pipeline, removes dataDir */
  stop: () => Promise<void>;
}

/** startTestPipeline, plus a direct admin connection to the same warehouse (on chDB: the sink's data dir). */
export async function startPipelineWithAdmin(
  brokers: string,
  target: WarehouseTarget,
  env: Record<string, string> = {},
): Promise<PipelineWithAdmin> {
  const dataDir = await mkdtemp(join(tmpdir(), 'okendo-admin-'));
  let pipeline: TestPipeline | undefined;
  let admin: Warehouse | undefined;
  const stop = async () => {
    await admin?.close();
    await pipeline?.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    pipeline = await startTestPipeline(brokers, target, {
      ...env,
      ...(target.kind === 'chdb' ? { CHDB_DATA_DIR: dataDir } : {}),
    });
    admin =
      target.kind === 'server'
        ? new ClickHouseServerWarehouse(target.endpoint)
        : await ChdbWarehouse.open(dataDir);
    return { pipeline, admin, dataDir, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
