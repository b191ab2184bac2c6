/**
 * Cluster mode of the migrations (CLICKHOUSE_CLUSTER set). The migration files stay what a single node runs;
 * each statement is rewritten here into its cluster form, so one set of files serves both and the files'
 * checksums do not change:
 * - every DDL statement runs ON CLUSTER (the distributed DDL queue in ZooKeeper takes it to every node);
 * - a sharded table T becomes T_local, a Replicated*MergeTree on each shard, plus T itself, a Distributed
 *   table over T_local sharded by a hash of the entity id (a child table by its parent's id), so every version
 *   of an entity, and its child rows, meet on one shard: FINAL, and the _current views' joins of a child with
 *   its parent (run shard by shard, distributed_product_mode = 'local'), stay correct. Analysts and the sink
 *   keep using T;
 * - a small table read whole by every shard (the migrations' bookkeeping, the editable attribution question
 *   list, the operator audit) is replicated to every node instead of sharded;
 * - a view runs ON CLUSTER unchanged: it reads the Distributed tables.
 * A statement of a kind not handled here fails loudly, and so does a table without a declared layout, so a new
 * migration cannot silently run as single-node DDL on a cluster.
 */

/** How each table is laid out on a cluster. */
export type ClusterTableLayout =
  /** sharded by a hash of the expression (entity id columns) */
  | { kind: 'sharded'; shardingKey: string }
  /** one copy on every node (replicated across the whole cluster) */
  | { kind: 'everywhere' };

const byId = (column: string): ClusterTableLayout => ({
  kind: 'sharded',
  shardingKey: `sipHash64(${column})`,
});
// A dead letter and its redrive record are matched by origin in dead_letters_open: shard both by the origin.
const byOrigin: ClusterTableLayout = {
  kind: 'sharded',
  shardingKey: 'sipHash64(origin_topic, origin_partition, origin_offset)',
};
const everywhere: ClusterTableLayout = { kind: 'everywhere' };

/** Every table of the model and its cluster layout. A migration adding a table must add it here. */
export const CLUSTER_TABLE_LAYOUTS: Readonly<Record<string, ClusterTableLayout>> = {
  events: byId('entity_id'),
  reviews: byId('review_id'),
  review_versions: byId('review_id'),
  review_tags: byId('review_id'),
  review_media: byId('review_id'),
  review_rating_attributes: byId('review_id'),
  review_product_attributes: byId('review_id'),
  review_reviewer_attributes: byId('review_id'),
  loyalty_customers: byId('loyalty_customer_id'),
  loyalty_customer_versions: byId('loyalty_customer_id'),
  loyalty_transactions: byId('loyalty_transaction_id'),
  loyalty_transaction_versions: byId('loyalty_transaction_id'),
  quiz_responses: byId('quiz_response_id'),
  quiz_response_versions: byId('quiz_response_id'),
  quiz_answers: byId('quiz_response_id'),
  quiz_recommendations: byId('quiz_response_id'),
  survey_responses: byId('survey_response_id'),
  survey_response_versions: byId('survey_response_id'),
  survey_answers: byId('survey_response_id'),
  unrouted_deliveries: byId('message_id'),
  dead_letters: byOrigin,
  dead_letter_redrives: byOrigin,
  survey_attribution_questions: everywhere,
  operator_audit: everywhere,
  schema_migrations: everywhere,
};

/** The suffix of a sharded table's per-shard table. */
export const LOCAL_TABLE_SUFFIX = '_local';

export interface ClusterTarget {
  cluster: string;
  database: string;
}

function layoutOf(table: string): ClusterTableLayout {
  const layout = CLUSTER_TABLE_LAYOUTS[table];
  if (layout === undefined) {
    throw new Error(
      `table ${table} has no cluster layout: add it to CLUSTER_TABLE_LAYOUTS (infra/clickhouse/cluster-ddl.ts)`,
    );
  }
  return layout;
}

/** The ZooKeeper path of a replicated table: per shard for a sharded table, one for the cluster otherwise. */
export function replicationPath(database: string, table: string, layout: ClusterTableLayout): string {
  return layout.kind === 'sharded'
    ? `/clickhouse/tables/{shard}/${database}/${table}`
    : `/clickhouse/tables/all/${database}/${table}`;
}

function distributedTable(target: ClusterTarget, table: string, shardingKey: string): string {
  const { cluster, database } = target;
  const local = `${table}${LOCAL_TABLE_SUFFIX}`;
  return `CREATE TABLE IF NOT EXISTS ${database}.${table} ON CLUSTER ${cluster} AS ${database}.${local} ENGINE = Distributed(${cluster}, ${database}, ${local}, ${shardingKey})`;
}

const CREATE_DATABASE = /^CREATE DATABASE IF NOT EXISTS (\w+)$/;
const CREATE_TABLE =
  /^CREATE TABLE IF NOT EXISTS (\w+)\.(\w+) (\([\s\S]*\)) ENGINE = (\w*MergeTree)\(([^)]*)\)([\s\S]*)$/;
const ALTER_TABLE = /^ALTER TABLE (\w+)\.(\w+)(\s[\s\S]+)$/;
const CREATE_VIEW = /^CREATE VIEW IF NOT EXISTS (\w+)\.(\w+) AS(\s[\s\S]+)$/;
const DROP_VIEW = /^DROP TABLE IF EXISTS (\w+)\.(\w+)$/;
const INSERT = /^INSERT INTO (\w+)\.(\w+)\s/;

function sameDatabase(target: ClusterTarget, database: string | undefined, statement: string): void {
  if (database !== target.database) {
    throw new Error(`statement is not for database ${target.database}: ${statement.slice(0, 120)}`);
  }
}

/**
 * The cluster form of one single-node statement ({database} already substituted): the statements to run, in
 * order, in its place.
 */
export function clusterStatements(statement: string, target: ClusterTarget): string[] {
  const { cluster, database } = target;
  const onCluster = `ON CLUSTER ${cluster}`;

  const createDatabase = CREATE_DATABASE.exec(statement);
  if (createDatabase !== null) return [`${statement} ${onCluster}`];

  const createTable = CREATE_TABLE.exec(statement);
  if (createTable !== null) {
    const [, db, table = '', columns, engine, engineArgs = '', rest] = createTable;
    sameDatabase(target, db, statement);
    const layout = layoutOf(table);
    const name = layout.kind === 'sharded' ? `${table}${LOCAL_TABLE_SUFFIX}` : table;
    // A replica name must be unique among the replicas of one path: per shard for a sharded table, but the
    // whole cluster shares the path of an everywhere table, so its replica name carries the shard too.
    const replica = layout.kind === 'sharded' ? `'{replica}'` : `'{shard}_{replica}'`;
    const args = [
      `'${replicationPath(database, name, layout)}'`,
      replica,
      ...(engineArgs.trim() ? [engineArgs] : []),
    ];
    const replicated = `CREATE TABLE IF NOT EXISTS ${database}.${name} ${onCluster} ${columns} ENGINE = Replicated${engine}(${args.join(', ')})${rest}`;
    return layout.kind === 'sharded'
      ? [replicated, distributedTable(target, table, layout.shardingKey)]
      : [replicated];
  }

  const alterTable = ALTER_TABLE.exec(statement);
  if (alterTable !== null) {
    const [, db, table = '', changes] = alterTable;
    sameDatabase(target, db, statement);
    const layout = layoutOf(table);
    // An everywhere table is one replicated table: an ALTER on one node reaches every replica through ZooKeeper
    // (ON CLUSTER would run it once per shard, on the same table).
    if (layout.kind === 'everywhere') return [statement];
    // 18.16 refuses ALTER ... ON CLUSTER of a Distributed table when the shards replicate internally ("Table
    // isn't replicated, but shard is replicated"). A Distributed table holds no rows (inserts are synchronous),
    // so it is created again from the altered local table and takes its new columns. The ALTER of a replicated
    // table returns once every active replica applied it, so each node's CREATE ... AS sees the new columns.
    return [
      `ALTER TABLE ${database}.${table}${LOCAL_TABLE_SUFFIX} ${onCluster}${changes}`,
      `DROP TABLE IF EXISTS ${database}.${table} ${onCluster}`,
      distributedTable(target, table, layout.shardingKey),
    ];
  }

  const createView = CREATE_VIEW.exec(statement);
  if (createView !== null) {
    const [, db, view, query] = createView;
    sameDatabase(target, db, statement);
    return [`CREATE VIEW IF NOT EXISTS ${database}.${view} ${onCluster} AS${query}`];
  }

  const dropView = DROP_VIEW.exec(statement);
  if (dropView !== null) {
    const [, db, name = ''] = dropView;
    sameDatabase(target, db, statement);
    if (CLUSTER_TABLE_LAYOUTS[name] !== undefined) {
      throw new Error(`dropping table ${name} has no cluster form (only views are dropped by migrations)`);
    }
    return [`${statement} ${onCluster}`];
  }

  // Rows go in through the Distributed table (sharded) or to one replica (everywhere): no ON CLUSTER.
  const insert = INSERT.exec(statement);
  if (insert !== null) {
    sameDatabase(target, insert[1], statement);
    layoutOf(insert[2] ?? '');
    return [statement];
  }

  throw new Error(`no cluster form for this migration statement: ${statement.slice(0, 120)}`);
}
