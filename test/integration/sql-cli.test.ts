/**
 * `npm run sql` as a process, the way an analyst runs it: against the ClickHouse server (CLICKHOUSE_URL), and
 * in embedded mode through a running sink's POST /sql or, with no sink, on the chDB data dir itself. Queries
 * may start with comments and come from an argument, a file or stdin; rows print as a table, JSON Lines or
 * CSV; a ClickHouse error is one line with the server's message and exit code 1; usage errors exit 2.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate } from '@okendo/infra/clickhouse';
import { FIXTURES } from '@okendo/schemas';
import { ClickHouseServerWarehouse } from '@okendo/sink';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInfra, titleWithSkipReason } from '../harness/infra.js';
import { uniqueName } from '../harness/names.js';
import { startTestPipeline, type TestPipeline } from '../harness/pipeline.js';
import { type CliRun, runSinkCli } from '../harness/replay-cli.js';

const infra = runInfra();

/** What a failure must look like: one line, the reason, and no Node stack trace. */
function expectOneLineFailure(run: CliRun, reason: RegExp): void {
  expect(run.code, run.stderr).toBe(1);
  expect(run.stdout).toBe('');
  const lines = run.stderr.trimEnd().split('\n');
  expect(lines, run.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^sql: /);
  expect(lines[0]).toMatch(reason);
}

function expectUsage(run: CliRun, reason: RegExp): void {
  expect(run.code, run.stderr).toBe(2);
  expect(run.stdout).toBe('');
  expect(run.stderr.split('\n')[0]).toMatch(reason);
  expect(run.stderr).toContain('usage: npm run -s sql');
  expect(run.stderr).not.toMatch(/^\s+at /m);
}

describe.skipIf(infra.clickhouse === undefined)(
  titleWithSkipReason('npm run sql on the ClickHouse server', infra.unavailable.clickhouse),
  () => {
    const database = uniqueName('sqlcli');
    let warehouse: ClickHouseServerWarehouse;
    let dir: string;
    let env: Record<string, string>;
    const sql = (args: string[], input?: string) =>
      runSinkCli('sql', args, env, input === undefined ? {} : { input });

    beforeAll(async () => {
      const endpoint = infra.clickhouse;
      if (endpoint === undefined) throw new Error('unreachable: suite is skipped');
      warehouse = new ClickHouseServerWarehouse(endpoint);
      await migrate(warehouse, database);
      const review = (id: string, rating: number | null, status: string, sequence: number, deleted = 0) => ({
        review_id: id,
        rating,
        status,
        title: id === 'r1' ? 'Great, "really"\nsecond line' : null,
        sequence_number: String(sequence),
        is_deleted: deleted,
        event_topic: deleted ? 'delete' : 'create',
        message_id: `m-${id}-${sequence}`,
        source: 'default',
        received_at: 1_735_689_600,
      });
      await warehouse.insertJsonEachRow(`${database}.reviews`, [
        review('r1', 5, 'approved', 1),
        review('r2', 3, 'pending', 1),
        review('r3', null, 'approved', 1),
        review('r4', 1, 'approved', 1),
        review('r4', 1, 'approved', 2, 1),
      ]);
      dir = await mkdtemp(join(tmpdir(), 'okendo-sql-cli-'));
      env = {
        CLICKHOUSE_URL: endpoint.url,
        CLICKHOUSE_USER: endpoint.username,
        CLICKHOUSE_PASSWORD: endpoint.password,
        CLICKHOUSE_DATABASE: database,
      };
    });

    afterAll(async () => {
      await warehouse?.command(`DROP DATABASE IF EXISTS ${database}`);
      await warehouse?.close();
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    });

    const ratings = () =>
      `SELECT review_id, rating, status FROM ${database}.reviews_current ORDER BY review_id`;
    const RATINGS_TABLE = [
      'review_id | rating | status',
      '----------+--------+---------',
      'r1        |      5 | approved',
      'r2        |      3 | pending',
      'r3        |   NULL | approved',
      '',
    ].join('\n');

    it('runs a query that starts with a -- comment or a /* */ comment', async () => {
      const [line, block, both] = await Promise.all([
        sql([`-- the current reviews\n${ratings()}`]),
        sql([`/* the current reviews */ ${ratings()}`]),
        sql([`-- one\n/* two */\n-- three\n${ratings()};\n-- after`]),
      ]);
      for (const run of [line, block, both]) {
        expect(run.code, run.stderr).toBe(0);
        expect(run.stdout).toBe(RATINGS_TABLE);
        expect(run.stderr).toBe('3 row(s)\n');
      }
    });

    it('reads the query from -f file.sql, from piped stdin, and from stdin with -', async () => {
      const file = join(dir, 'ratings.sql');
      await writeFile(file, `-- Ratings of the current reviews\n-- (one statement)\n${ratings()};\n`);
      const [fromFile, fromLongFlag, piped, dash] = await Promise.all([
        sql(['-f', file]),
        sql([`--file=${file}`, '--format', 'json']),
        sql([], `-- piped\n${ratings()}\n`),
        sql(['--format', 'csv', '-'], ratings()),
      ]);
      expect(fromFile.code, fromFile.stderr).toBe(0);
      expect(fromFile.stdout).toBe(RATINGS_TABLE);
      expect(
        fromLongFlag.stdout
          .trimEnd()
          .split('\n')
          .map((l) => JSON.parse(l)),
      ).toHaveLength(3);
      expect(piped.code, piped.stderr).toBe(0);
      expect(piped.stdout).toBe(RATINGS_TABLE);
      expect(dash.stdout).toBe('review_id,rating,status\nr1,5,approved\nr2,3,pending\nr3,,approved\n');
    });

    it('prints --format table, json (and its alias --json) and csv', async () => {
      const query = `SELECT review_id, rating, title, [status, 'x'] AS tags FROM ${database}.reviews_current WHERE review_id IN ('r1', 'r3') ORDER BY review_id`;
      const [table, json, alias, csv] = await Promise.all([
        sql(['--format', 'table', query]),
        sql(['--format=json', query]),
        sql([query, '--json']),
        sql(['--format', 'csv', query]),
      ]);
      expect(table.stdout).toBe(
        [
          'review_id | rating | title                        | tags',
          '----------+--------+------------------------------+-----------------',
          'r1        |      5 | Great, "really"\\nsecond line | ["approved","x"]',
          'r3        |   NULL | NULL                         | ["approved","x"]',
          '',
        ].join('\n'),
      );
      const rows = [
        { review_id: 'r1', rating: 5, title: 'Great, "really"\nsecond line', tags: ['approved', 'x'] },
        { review_id: 'r3', rating: null, title: null, tags: ['approved', 'x'] },
      ];
      expect(json.stdout).toBe(`${rows.map((row) => JSON.stringify(row)).join('\n')}\n`);
      expect(alias.stdout).toBe(json.stdout);
      expect(csv.stdout).toBe(
        'review_id,rating,title,tags\nr1,5,"Great, ""really""\nsecond line","[""approved"",""x""]"\nr3,,,"[""approved"",""x""]"\n',
      );
    });

    it("prints a ClickHouse error as one line with the server's message, exit code 1, no stack trace", async () => {
      const [column, table] = await Promise.all([
        sql([`-- a typo\nSELECT ratng\nFROM ${database}.reviews_current\nWHERE 1`]),
        sql([], `SELECT count() FROM ${database}.no_such_table`),
      ]);
      expectOneLineFailure(column, /^sql: query_failed: .*ratng/);
      expectOneLineFailure(table, new RegExp(`^sql: query_failed: .*${database}\\.no_such_table`));
      expect(table.stderr).toMatch(/Code: 60/); // UNKNOWN_TABLE, as the server said it
    });

    it('refuses what is not one read-only statement (exit 1), the data stays', async () => {
      const twoStatements = join(dir, 'two.sql');
      await writeFile(twoStatements, `SELECT 1;\nDROP TABLE ${database}.reviews;\n`);
      const [insert, two, drop] = await Promise.all([
        sql([`-- sneaky\nINSERT INTO ${database}.reviews (review_id) VALUES ('x')`]),
        sql(['-f', twoStatements]),
        sql([`DROP TABLE ${database}.reviews`]),
      ]);
      expectOneLineFailure(insert, /^sql: statement_not_allowed: /);
      expectOneLineFailure(two, /^sql: multiple_statements: /);
      expectOneLineFailure(drop, /^sql: statement_not_allowed: /);
      const [row] = await warehouse.query<{ n: string }>(`SELECT count() AS n FROM ${database}.reviews`);
      expect(row?.n).toBe('5');
    });

    it('answers a bad command line with exit code 2 and the usage, --help with exit code 0', async () => {
      const [unknown, format, both, missing, empty, help] = await Promise.all([
        sql(['--jsn', ratings()]),
        sql(['--format', 'xml', ratings()]),
        sql(['-f', join(dir, 'ratings.sql'), ratings()]),
        sql(['-f', join(dir, 'missing.sql')]),
        sql([]), // stdin is /dev/null: nothing to run
        sql(['--help']),
      ]);
      expectUsage(unknown, /^sql: unknown option --jsn$/);
      expectUsage(format, /^sql: --format: expected one of table, json, csv, got "xml"$/);
      expectUsage(both, /^sql: give the query one way/);
      expectUsage(missing, /^sql: cannot read .*missing\.sql/);
      expectUsage(empty, /^sql: no query: stdin has only blanks or comments$/);
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(/^usage: npm run -s sql -- \[options\]/);
      expect(help.stdout).toContain('--format table|json|csv');
    });
  },
);

const embeddedMissing = infra.unavailable.kafka ?? infra.unavailable.chdb;

describe.skipIf(embeddedMissing !== undefined)(
  titleWithSkipReason('npm run sql in embedded mode (chDB)', embeddedMissing),
  () => {
    const TOKEN = 'sql-cli-token-0123456789';
    let pipeline: TestPipeline;
    let dataDir: string;
    const embedded = (overrides: Record<string, string | undefined> = {}) => ({
      CLICKHOUSE_URL: undefined,
      CHDB_DATA_DIR: dataDir,
      SINK_URL: pipeline.sink.url,
      SINK_SQL_TOKEN: TOKEN,
      ...overrides,
    });

    beforeAll(async () => {
      if (infra.kafka === undefined) throw new Error('unreachable: suite is skipped');
      pipeline = await startTestPipeline(infra.kafka.brokers, { kind: 'chdb' }, { SINK_SQL_TOKEN: TOKEN });
      dataDir = await mkdtemp(join(tmpdir(), 'okendo-sql-cli-chdb-'));
    });

    afterAll(async () => {
      await pipeline?.stop();
      if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
    });

    it("asks the running sink: a commented query's rows, and the sink's refusal as one line", async () => {
      const fixture = FIXTURES.find((f) => f.resourceType === 'review');
      if (fixture === undefined) throw new Error('no review fixture');
      expect(await pipeline.post(fixture)).toBe(200);
      const current = `${pipeline.database}.reviews_current`;
      await pipeline.waitFor(`SELECT review_id FROM ${current}`, (rows) => rows.length === 1);

      const [rows, refused, wrongToken] = await Promise.all([
        runSinkCli('sql', ['--format', 'csv', `-- the review\nSELECT review_id FROM ${current}`], embedded()),
        runSinkCli('sql', [`SELECT nope FROM ${current}`], embedded()),
        runSinkCli('sql', [`SELECT 1`], embedded({ SINK_SQL_TOKEN: 'wrong-token-0123456789' })),
      ]);
      expect(rows.code, rows.stderr).toBe(0);
      expect(rows.stdout).toBe(`review_id\n${fixture.entityId}\n`);
      expectOneLineFailure(refused, /^sql: query_failed: .*nope/);
      expectOneLineFailure(wrongToken, /^sql: unauthorized: /);
    });

    it('opens the data dir itself when no sink answers', async () => {
      // Port 1: nothing listens there, so the command opens CHDB_DATA_DIR (a fresh one) in its own process.
      const run = await runSinkCli(
        'sql',
        ['--format', 'csv', '/* no sink */ SELECT 1 AS one'],
        embedded({ SINK_URL: 'http://127.0.0.1:1' }),
      );
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toBe('one\n1\n');
    });
  },
);
