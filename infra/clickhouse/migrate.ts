/**
 * Versioned, idempotent migrations of the ClickHouse model. The SQL in migrations/ is portable (design.md):
 * the same statements run on ClickHouse 18.16 and on chDB's 26.x engine. Each file is applied once and
 * recorded in <database>.schema_migrations with a checksum; every statement is IF NOT EXISTS, so a run
 * interrupted half-way, or two instances starting at once, converge on the same schema. On a cluster (the
 * executor names one) each statement runs in its cluster form (cluster-ddl.ts) and the bookkeeping table is
 * replicated to every node, so any node answers what was applied.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clusterStatements } from './cluster-ddl.js';

/** What a migration needs of a warehouse (the sink's Warehouse adapters satisfy it). */
export interface SqlExecutor {
  command(sql: string): Promise<void>;
  query<Row>(sql: string): Promise<Row[]>;
  /** The cluster (remote_servers name) to migrate in cluster mode; undefined on a single node. */
  readonly cluster?: string | undefined;
}

export interface Migration {
  version: number;
  name: string;
  checksum: string;
  statements: string[];
}

export interface MigrationReport {
  applied: string[];
  alreadyApplied: string[];
}

const FILE_NAME = /^(\d{3})_([a-z0-9_]+)\.sql$/;

function migrationsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  // From infra/clickhouse (sources) or infra/dist/clickhouse (built): the SQL lives in infra/clickhouse.
  if (dir.includes(`${join('dist', 'clickhouse')}`)) dir = join(dir, '..', '..', 'clickhouse');
  return join(dir, 'migrations');
}

/** Splits a file into statements: each ends with `;` at the end of a line; `--` comment lines are dropped. */
export function splitStatements(sql: string): string[] {
  const withoutComments = sql
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('--'))
    .join('\n');
  return withoutComments
    .split(/;\s*(?:\n|$)/)
    .map((statement) => statement.trim())
    .filter((statement) => statement !== '');
}

export async function loadMigrations(dir = migrationsDir()): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((name) => name.endsWith('.sql')).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const match = FILE_NAME.exec(file);
    if (match === null) throw new Error(`migration file ${file} must be named NNN_snake_case.sql`);
    const sql = await readFile(join(dir, file), 'utf8');
    migrations.push({
      version: Number(match[1]),
      name: match[2] ?? file,
      checksum: createHash('sha256').update(sql).digest('hex').slice(0, 16),
      statements: splitStatements(sql),
    });
  }
  const versions = migrations.map((m) => m.version);
  if (new Set(versions).size !== versions.length)
    throw new Error('two migration files share a version number');
  return migrations;
}

function assertIdentifier(name: string, what = 'database'): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new Error(`${what} name ${JSON.stringify(name)} must be letters, digits and underscores`);
  }
}

/**
 * 18.16 has no `ADD COLUMN IF NOT EXISTS`. An ALTER is applied atomically, so when an ADD COLUMN fails because
 * the column exists, an earlier run got that far and was stopped before recording the migration: the
 * statement is done, not failed.
 */
export function isAddColumnRerun(statement: string, error: unknown): boolean {
  return (
    /^ALTER\s+TABLE\s+\S+\s+(?:ON\s+CLUSTER\s+\S+\s+)?ADD\s+COLUMN\s/i.test(statement) &&
    /column with this name already exists/i.test(error instanceof Error ? error.message : String(error))
  );
}

/** A cluster name that no node's remote_servers defines fails here, with what to fix, not mid-migration. */
async function assertClusterDefined(db: SqlExecutor, cluster: string): Promise<void> {
  assertIdentifier(cluster, 'cluster');
  const rows = await db.query<{ shards: string | number }>(
    `SELECT uniqExact(shard_num) AS shards FROM system.clusters WHERE cluster = '${cluster}'`,
  );
  if (Number(rows[0]?.shards ?? 0) === 0) {
    throw new Error(
      `CLICKHOUSE_CLUSTER=${cluster}: the server has no such cluster in its remote_servers (see system.clusters)`,
    );
  }
}

export async function migrate(
  db: SqlExecutor,
  database: string,
  migrations?: Migration[],
): Promise<MigrationReport> {
  assertIdentifier(database);
  const all = migrations ?? (await loadMigrations());
  const cluster = db.cluster;
  if (cluster !== undefined) await assertClusterDefined(db, cluster);
  /** A statement as this warehouse runs it: itself on one node, its cluster form on a cluster. */
  const forWarehouse = (statement: string): string[] =>
    cluster === undefined ? [statement] : clusterStatements(statement, { cluster, database });
  for (const statement of [
    `CREATE DATABASE IF NOT EXISTS ${database}`,
    `CREATE TABLE IF NOT EXISTS ${database}.schema_migrations (version UInt32, name String, checksum String, applied_at DateTime('UTC') DEFAULT now()) ENGINE = MergeTree() ORDER BY version`,
  ]) {
    for (const each of forWarehouse(statement)) await db.command(each);
  }
  const rows = await db.query<{ version: number; checksum: string }>(
    `SELECT DISTINCT version, checksum FROM ${database}.schema_migrations`,
  );
  const done = new Map(rows.map((row) => [Number(row.version), row.checksum]));
  const report: MigrationReport = { applied: [], alreadyApplied: [] };
  for (const migration of all) {
    const label = `${String(migration.version).padStart(3, '0')}_${migration.name}`;
    const recorded = done.get(migration.version);
    if (recorded !== undefined) {
      if (recorded !== migration.checksum) {
        throw new Error(
          `migration ${label} changed after it was applied: add a new migration instead of editing it`,
        );
      }
      report.alreadyApplied.push(label);
      continue;
    }
    for (const statement of migration.statements.flatMap((each) =>
      forWarehouse(each.replaceAll('{database}', database)),
    )) {
      try {
        await db.command(statement);
      } catch (error) {
        if (isAddColumnRerun(statement, error)) continue;
        throw new Error(`migration ${label} failed: ${(error as Error).message}\n${statement.slice(0, 300)}`);
      }
    }
    await db.command(
      `INSERT INTO ${database}.schema_migrations (version, name, checksum) VALUES (${migration.version}, '${migration.name}', '${migration.checksum}')`,
    );
    report.applied.push(label);
  }
  return report;
}
