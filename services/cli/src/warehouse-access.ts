/**
 * How the CLI reads the warehouse and appends its audit rows. On a ClickHouse server (CLICKHOUSE_URL) it
 * connects directly. In embedded mode the running sink holds chDB's data dir, so the CLI asks the sink
 * (POST /sql for reads, POST /audit for audit rows, at SINK_URL with SINK_SQL_TOKEN), and opens the data dir
 * itself only when no sink answers there.
 */
import { openReplayWarehouse, type ReadOnlyLimits, type Warehouse, type WarehouseConfig } from '@okendo/sink';
import { CliError, EXIT } from './exit-codes.js';

export interface AuditRow {
  /** epoch ms */
  at: number;
  actor: string;
  command: string;
  target: string;
  outcome: 'ok' | 'failed' | 'incomplete' | 'dry_run';
  /** a short summary (counts, ids): never a secret, a key or payload text */
  detail: string;
}

export interface WarehouseAccess {
  /** where the rows come from, for messages: "ClickHouse server", "the sink at ...", "chDB at ..." */
  readonly via: string;
  /** the database the tables live in (CLICKHOUSE_DATABASE) */
  readonly database: string;
  /** A read-only query (SELECT/WITH/SHOW/DESCRIBE/EXPLAIN), rows as JSON objects. */
  query<Row = Record<string, unknown>>(sql: string): Promise<Row[]>;
  /** Appends one row to operator_audit. */
  audit(row: AuditRow): Promise<void>;
  close(): Promise<void>;
}

export interface WarehouseAccessConfig {
  warehouse: WarehouseConfig;
  database: string;
  sinkUrl: string;
  sinkToken: string | undefined;
  limits: ReadOnlyLimits;
  /** embedded mode: fail when no sink answers instead of opening chDB's data dir (and taking its lock) */
  sinkOnly?: boolean;
}

/** The audit row as stored: `at` in whole seconds (portable DateTime), `at_ms` exact. */
export function auditRecord(row: AuditRow): Record<string, unknown> {
  const { at, ...rest } = row;
  return { ...rest, at: Math.floor(at / 1_000), at_ms: Math.floor(at) };
}

export async function openWarehouseAccess(config: WarehouseAccessConfig): Promise<WarehouseAccess> {
  if (config.warehouse.kind === 'chdb') {
    const sink = await sinkAccess(config);
    if (sink !== undefined) return sink;
    if (config.sinkOnly === true)
      throw new CliError(
        `the sink at ${config.sinkUrl} did not answer; embedded chDB is read only through the running sink here`,
        EXIT.unavailable,
      );
  }
  return directAccess(config);
}

async function directAccess(config: WarehouseAccessConfig): Promise<WarehouseAccess> {
  let warehouse: Warehouse;
  try {
    warehouse = await openReplayWarehouse(config.warehouse);
  } catch (error) {
    throw new CliError(
      `cannot open the warehouse: ${error instanceof Error ? error.message : String(error)}`,
      EXIT.unavailable,
    );
  }
  const via =
    config.warehouse.kind === 'chdb'
      ? `chDB at ${config.warehouse.dataDir}`
      : `ClickHouse at ${config.warehouse.url}`;
  return {
    via,
    database: config.database,
    query: (sql) => warehouse.readOnlyQuery(sql, config.limits),
    audit: (row) => warehouse.insertJsonEachRow(`${config.database}.operator_audit`, [auditRecord(row)]),
    close: () => warehouse.close(),
  };
}

/** The sink's endpoints, or undefined when nothing listens at SINK_URL. */
async function sinkAccess(config: WarehouseAccessConfig): Promise<WarehouseAccess | undefined> {
  const headers = {
    'content-type': 'application/json',
    ...(config.sinkToken ? { authorization: `Bearer ${config.sinkToken}` } : {}),
  };
  try {
    await fetch(`${config.sinkUrl}/healthz`, { signal: AbortSignal.timeout(2_000) });
  } catch {
    return undefined;
  }
  const call = async (path: string, body: unknown): Promise<unknown> => {
    let response: Response;
    try {
      response = await fetch(`${config.sinkUrl}${path}`, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
      });
    } catch (error) {
      throw new CliError(
        `the sink at ${config.sinkUrl} did not answer ${path}: ${(error as Error).message}`,
        EXIT.unavailable,
      );
    }
    const text = await response.text();
    let parsed: { error?: { code?: string; message?: string } } | undefined;
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      const reason = parsed?.error
        ? `${parsed.error.code}: ${parsed.error.message}`
        : `HTTP ${response.status}`;
      throw new CliError(`the sink at ${config.sinkUrl} refused POST ${path}: ${reason}`);
    }
    return parsed;
  };
  return {
    via: `the sink at ${config.sinkUrl}`,
    database: config.database,
    query: async <Row>(sql: string) => ((await call('/sql', { query: sql })) as { rows?: Row[] }).rows ?? [],
    audit: async (row) => {
      await call('/audit', row);
    },
    close: async () => {},
  };
}
