import { type ClickHouseClient, ClickHouseLogLevel, createClient } from '@clickhouse/client';
import {
  parseLimitedRows,
  quoteIdentifier,
  type ReadOnlyLimits,
  ReadOnlyQueryError,
  type Warehouse,
} from './warehouse.js';

export interface ClickHouseServerOptions {
  url: string;
  username?: string;
  password?: string;
  requestTimeoutMs?: number;
  /** Cluster mode: the cluster's name in remote_servers (migrations run ON CLUSTER; see CLUSTER_SESSION_SETTINGS). */
  cluster?: string | undefined;
}

/**
 * What every query of the sink and its tools sends to a cluster node. Inserts go through the Distributed tables
 * synchronously: an insert returns once each shard's replica has its rows, so a flush is committed to Kafka
 * only for rows a shard holds (the default queues them on the node that took the insert and sends them later).
 * The _current views join a child table with its parent's: both Distributed, a child on its parent's shard,
 * so each shard joins its own local tables ('local'; the default 'deny' refuses such a join).
 */
export const CLUSTER_SESSION_SETTINGS = {
  insert_distributed_sync: 1,
  distributed_product_mode: 'local',
} as const;

/**
 * How long a node waits for every host to run an ON CLUSTER statement before it answers with the hosts that
 * have not (ClickHouse's default, stated so the client can wait longer). On a busy cluster one ALTER of a
 * replicated table has taken over 30 s: a client that gave up first reported only "Timeout error." while the
 * statement went on running.
 */
export const DISTRIBUTED_DDL_TASK_TIMEOUT_SECONDS = 180;

/** The ClickHouse server adapter, over HTTP with the official client. */
export class ClickHouseServerWarehouse implements Warehouse {
  readonly engine = 'clickhouse-server' as const;
  private readonly client: ClickHouseClient;
  /** Commands (DDL, OPTIMIZE, SYSTEM) on a cluster: waits out the server's own ON CLUSTER timeout. */
  private readonly commandClient: ClickHouseClient;
  readonly cluster: string | undefined;

  constructor(options: ClickHouseServerOptions) {
    this.cluster = options.cluster;
    const connection = {
      url: options.url,
      username: options.username ?? 'default',
      password: options.password ?? '',
      // Failures surface as rejected promises that callers handle (retry, report); the client's own error log
      // would only print them twice.
      log: { level: ClickHouseLogLevel.OFF },
    };
    const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.client = createClient({
      ...connection,
      request_timeout: requestTimeoutMs,
      ...(options.cluster === undefined ? {} : { clickhouse_settings: { ...CLUSTER_SESSION_SETTINGS } }),
    });
    // Inserts and queries keep the short timeout (a hung node must not hold a flush for minutes).
    this.commandClient =
      options.cluster === undefined
        ? this.client
        : createClient({
            ...connection,
            request_timeout: Math.max(requestTimeoutMs, (DISTRIBUTED_DDL_TASK_TIMEOUT_SECONDS + 30) * 1_000),
            clickhouse_settings: {
              ...CLUSTER_SESSION_SETTINGS,
              distributed_ddl_task_timeout: String(DISTRIBUTED_DDL_TASK_TIMEOUT_SECONDS),
            },
          });
  }

  async command(sql: string): Promise<void> {
    await this.commandClient.command({ query: sql });
  }

  async query<Row>(sql: string): Promise<Row[]> {
    const result = await this.client.query({ query: sql, format: 'JSONEachRow' });
    return result.json<Row>();
  }

  async readOnlyQuery<Row>(sql: string, limits: ReadOnlyLimits): Promise<Row[]> {
    let text: string;
    try {
      const result = await this.client.query({
        query: sql,
        format: 'JSONEachRow',
        // readonly=1, not 2: 2 would let a query's own SETTINGS lift the limits, and allows file() and url().
        clickhouse_settings: {
          readonly: '1',
          max_result_rows: String(limits.maxResultRows),
          max_result_bytes: String(limits.maxResultBytes),
          result_overflow_mode: 'throw',
          max_execution_time: limits.maxExecutionSeconds,
          // On a cluster the client's CLUSTER_SESSION_SETTINGS come with these (the client merges both).
        },
      });
      text = await result.text();
    } catch (error) {
      throw ReadOnlyQueryError.from(error, limits);
    }
    return parseLimitedRows<Row>(text, limits);
  }

  async insertJsonEachRow(table: string, rows: readonly object[]): Promise<void> {
    if (rows.length === 0) return;
    // Name the columns: 18.16 fills a column left out of a JSONEachRow row with its type's zero, not its
    // DEFAULT (inserted_at DEFAULT now() read 1970), unless the INSERT lists the columns it is given.
    const columns = new Set<string>();
    for (const row of rows) for (const key of Object.keys(row)) columns.add(key);
    await this.client.insert({
      table,
      values: rows as object[],
      format: 'JSONEachRow',
      columns: [...columns].map(quoteIdentifier) as [string, ...string[]],
    });
  }

  async version(): Promise<string> {
    const [row] = await this.query<{ version: string }>('SELECT version() AS version');
    if (row === undefined) throw new Error('SELECT version() returned no row');
    return row.version;
  }

  async close(): Promise<void> {
    await this.client.close();
    if (this.commandClient !== this.client) await this.commandClient.close();
  }
}
