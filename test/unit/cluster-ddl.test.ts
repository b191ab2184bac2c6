import {
  CLUSTER_TABLE_LAYOUTS,
  clusterStatements,
  LOCAL_TABLE_SUFFIX,
  loadMigrations,
} from '@okendo/infra/clickhouse';
import { loadWarehouseConfig } from '@okendo/sink';
import { describe, expect, it } from 'vitest';
import { isAddColumnRerun } from '../../infra/clickhouse/migrate.js';

const target = { cluster: 'analytics', database: 'okendo' };

async function everyStatement(): Promise<string[]> {
  const migrations = await loadMigrations();
  return migrations.flatMap((migration) =>
    migration.statements.map((statement) => statement.replaceAll('{database}', target.database)),
  );
}

describe('cluster form of the migrations', () => {
  it('gives every statement of every migration a cluster form, each DDL statement ON CLUSTER', async () => {
    for (const statement of await everyStatement()) {
      const forms = clusterStatements(statement, target);
      expect(forms.length).toBeGreaterThan(0);
      for (const form of forms) {
        if (form.startsWith('INSERT')) continue;
        if (
          /^ALTER TABLE okendo\.(schema_migrations|survey_attribution_questions|operator_audit)\s/.test(form)
        ) {
          continue;
        }
        expect(form).toMatch(
          /^(CREATE|ALTER|DROP) \S+ (IF (NOT )?EXISTS )?okendo\.\w+ ON CLUSTER analytics(\s|\(|$)/,
        );
      }
    }
  });

  it('turns a state table into a replicated local table and a Distributed table sharded by its entity id', () => {
    const [local, distributed, ...rest] = clusterStatements(
      `CREATE TABLE IF NOT EXISTS okendo.reviews (
    review_id String,
    sequence_number UInt64
) ENGINE = ReplacingMergeTree(sequence_number)
ORDER BY review_id`,
      target,
    );
    expect(rest).toEqual([]);
    expect(local).toBe(`CREATE TABLE IF NOT EXISTS okendo.reviews_local ON CLUSTER analytics (
    review_id String,
    sequence_number UInt64
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/okendo/reviews_local', '{replica}', sequence_number)
ORDER BY review_id`);
    expect(distributed).toBe(
      'CREATE TABLE IF NOT EXISTS okendo.reviews ON CLUSTER analytics AS okendo.reviews_local ENGINE = Distributed(analytics, okendo, reviews_local, sipHash64(review_id))',
    );
  });

  it('shards a child table by its parent id, and the event log by the entity id', () => {
    const shardingKey = (table: string) => CLUSTER_TABLE_LAYOUTS[table];
    for (const child of ['review_tags', 'review_media', 'review_rating_attributes', 'review_versions']) {
      expect(shardingKey(child)).toEqual(shardingKey('reviews'));
    }
    for (const child of ['quiz_answers', 'quiz_recommendations', 'quiz_response_versions']) {
      expect(shardingKey(child)).toEqual(shardingKey('quiz_responses'));
    }
    expect(shardingKey('survey_answers')).toEqual(shardingKey('survey_responses'));
    expect(shardingKey('dead_letter_redrives')).toEqual(shardingKey('dead_letters'));
    expect(shardingKey('events')).toEqual({ kind: 'sharded', shardingKey: 'sipHash64(entity_id)' });
  });

  it('keeps a table without engine arguments valid, and replicates an everywhere table with one path', () => {
    const [audit, ...rest] = clusterStatements(
      "CREATE TABLE IF NOT EXISTS okendo.operator_audit (at DateTime('UTC')) ENGINE = MergeTree()\nORDER BY at",
      target,
    );
    expect(rest).toEqual([]);
    expect(audit).toBe(
      "CREATE TABLE IF NOT EXISTS okendo.operator_audit ON CLUSTER analytics (at DateTime('UTC')) ENGINE = ReplicatedMergeTree('/clickhouse/tables/all/okendo/operator_audit', '{shard}_{replica}')\nORDER BY at",
    );
  });

  it('alters the local table on the cluster and creates the Distributed table again with its columns', () => {
    expect(
      clusterStatements(
        'ALTER TABLE okendo.reviews ADD COLUMN mapping_issues Array(String) DEFAULT []',
        target,
      ),
    ).toEqual([
      'ALTER TABLE okendo.reviews_local ON CLUSTER analytics ADD COLUMN mapping_issues Array(String) DEFAULT []',
      'DROP TABLE IF EXISTS okendo.reviews ON CLUSTER analytics',
      'CREATE TABLE IF NOT EXISTS okendo.reviews ON CLUSTER analytics AS okendo.reviews_local ENGINE = Distributed(analytics, okendo, reviews_local, sipHash64(review_id))',
    ]);
    // One replicated table on every node: a plain ALTER reaches every replica.
    const bookkeeping =
      "ALTER TABLE okendo.schema_migrations\n    MODIFY COLUMN applied_at DateTime('UTC') DEFAULT now()";
    expect(clusterStatements(bookkeeping, target)).toEqual([bookkeeping]);
  });

  it('counts an ADD COLUMN ON CLUSTER that exists already as done on a rerun, as on one node', () => {
    const exists = new Error(
      'There was an error on [127.0.0.1:9000]: Code: 44, e.displayText() = DB::Exception: Cannot add column x: column with this name already exists',
    );
    const [alter] = clusterStatements('ALTER TABLE okendo.reviews ADD COLUMN x Nullable(String)', target);
    expect(isAddColumnRerun(alter ?? '', exists)).toBe(true);
    expect(isAddColumnRerun('ALTER TABLE okendo.reviews ADD COLUMN x Nullable(String)', exists)).toBe(true);
    expect(isAddColumnRerun('DROP TABLE IF EXISTS okendo.reviews_local ON CLUSTER analytics', exists)).toBe(
      false,
    );
  });

  it('runs views ON CLUSTER unchanged, reading the Distributed names analysts use', () => {
    expect(
      clusterStatements(
        'CREATE VIEW IF NOT EXISTS okendo.reviews_current AS\nSELECT * FROM okendo.reviews FINAL WHERE is_deleted = 0',
        target,
      ),
    ).toEqual([
      'CREATE VIEW IF NOT EXISTS okendo.reviews_current ON CLUSTER analytics AS\nSELECT * FROM okendo.reviews FINAL WHERE is_deleted = 0',
    ]);
    expect(clusterStatements('DROP TABLE IF EXISTS okendo.reviews_current', target)).toEqual([
      'DROP TABLE IF EXISTS okendo.reviews_current ON CLUSTER analytics',
    ]);
  });

  it('refuses what it cannot place: a table without a layout, a dropped table, an unknown statement', () => {
    expect(() =>
      clusterStatements(
        'CREATE TABLE IF NOT EXISTS okendo.mystery (id String) ENGINE = MergeTree() ORDER BY id',
        target,
      ),
    ).toThrow(/mystery has no cluster layout/);
    expect(() => clusterStatements('DROP TABLE IF EXISTS okendo.reviews', target)).toThrow(/no cluster form/);
    expect(() => clusterStatements('OPTIMIZE TABLE okendo.reviews FINAL', target)).toThrow(/no cluster form/);
    expect(() => clusterStatements('CREATE VIEW IF NOT EXISTS other.v AS SELECT 1', target)).toThrow(
      /not for database okendo/,
    );
  });

  it('declares a layout for exactly the tables the migrations create', async () => {
    const created = new Set<string>(['schema_migrations']);
    for (const statement of await everyStatement()) {
      const match = /^CREATE TABLE IF NOT EXISTS okendo\.(\w+)/.exec(statement);
      if (match?.[1] !== undefined) created.add(match[1]);
    }
    expect([...created].sort()).toEqual(Object.keys(CLUSTER_TABLE_LAYOUTS).sort());
    for (const table of created) expect(table.endsWith(LOCAL_TABLE_SUFFIX)).toBe(false);
  });
});

describe('CLICKHOUSE_CLUSTER', () => {
  it('selects cluster mode of a ClickHouse server', () => {
    const { warehouse } = loadWarehouseConfig({
      CLICKHOUSE_URL: 'http://127.0.0.1:8123',
      CLICKHOUSE_CLUSTER: 'analytics',
    });
    expect(warehouse).toMatchObject({ kind: 'clickhouse-server', cluster: 'analytics' });
    expect(loadWarehouseConfig({ CLICKHOUSE_URL: 'http://127.0.0.1:8123' }).warehouse).toMatchObject({
      cluster: undefined,
    });
  });

  it('is refused without a server, or when it is not a name', () => {
    expect(() => loadWarehouseConfig({ CLICKHOUSE_CLUSTER: 'analytics' })).toThrow(
      /needs a ClickHouse server/,
    );
    expect(() =>
      loadWarehouseConfig({ CLICKHOUSE_URL: 'http://127.0.0.1:8123', CLICKHOUSE_CLUSTER: 'a-b; DROP' }),
    ).toThrow(/CLICKHOUSE_CLUSTER: letters, digits and underscores/);
  });
});
