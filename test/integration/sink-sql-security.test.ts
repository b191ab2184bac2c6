/**
 * The sink's POST /sql is read-only and guarded, on the ClickHouse server and on chDB: only one SELECT / WITH
 * / SHOW / DESCRIBE / EXPLAIN statement, JSON bodies only (no cross-site simple POST), a bearer token when one
 * is configured (required beyond loopback: test/unit/sink-sql-config.test.ts), result and time limits with a clear error. Beneath the keyword
 * check the engine itself refuses writes, DDL, settings changes, file() and url(): shown by sending those
 * straight to Warehouse.readOnlyQuery.
 */
import { ReadOnlyQueryError } from '@okendo/sink';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInfra, titleWithSkipReason } from '../harness/infra.js';
import { uniqueName } from '../harness/names.js';
import { pipelineTargets, type TestPipeline } from '../harness/pipeline.js';
import { pipelineForSuite } from '../harness/pipeline-suite.js';
import { warehouseEngines } from '../harness/warehouses.js';

const infra = runInfra();
const TOKEN = 'test-token-0123456789abcdef';
const LIMITS = { maxResultRows: 50, maxResultBytes: 4_096, maxExecutionSeconds: 1 };
const LIMIT_ENV = {
  SINK_SQL_MAX_RESULT_ROWS: String(LIMITS.maxResultRows),
  SINK_SQL_MAX_RESULT_BYTES: String(LIMITS.maxResultBytes),
  SINK_SQL_MAX_EXECUTION_SECONDS: String(LIMITS.maxExecutionSeconds),
};
// No network is needed to show url() refused: nothing listens on port 1, and readonly refuses before connecting.
const FILE_QUERY = "SELECT * FROM file('/etc/hostname', 'CSV', 'line String')";
const URL_QUERY = "SELECT * FROM url('http://127.0.0.1:1/x.csv', 'CSV', 'line String')";

describe.each(warehouseEngines(infra))('read-only queries on $name, below the keyword check', (engine) => {
  describe.skipIf(engine.missing !== undefined)(titleWithSkipReason(engine.name, engine.missing), () => {
    let opened: Awaited<ReturnType<typeof engine.open>>;
    const database = uniqueName('sqlro');

    beforeAll(async () => {
      opened = await engine.open();
      await opened.warehouse.command(`CREATE DATABASE ${database}`);
      await opened.warehouse.command(`CREATE TABLE ${database}.t (a UInt8) ENGINE = MergeTree() ORDER BY a`);
    });

    afterAll(async () => {
      await opened?.warehouse.command(`DROP DATABASE IF EXISTS ${database}`);
      await opened?.close();
    });

    const refusal = (sql: string) =>
      opened.warehouse.readOnlyQuery(sql, LIMITS).then(
        () => 'ran',
        (error: unknown) => (error instanceof ReadOnlyQueryError ? error.code : String(error)),
      );

    it('refuses INSERT, DDL, SET, SETTINGS, file() and url() in the engine itself', async () => {
      const statements = [
        `INSERT INTO ${database}.t VALUES (1)`,
        `CREATE TABLE ${database}.u (a UInt8) ENGINE = Memory`,
        `DROP TABLE ${database}.t`,
        `ALTER TABLE ${database}.t DELETE WHERE 1`,
        // The server client appends FORMAT, which turns SET into a syntax error before readonly is reached.
        ...(engine.name === 'chDB' ? ['SET readonly = 0'] : []),
        `SELECT count() FROM ${database}.t SETTINGS readonly = 0`,
        `SELECT count() FROM ${database}.t SETTINGS max_result_rows = 0`,
        FILE_QUERY,
        URL_QUERY,
      ];
      const outcomes = Object.fromEntries(
        await Promise.all(statements.map(async (s) => [s, await refusal(s)])),
      );
      expect(outcomes).toEqual(Object.fromEntries(statements.map((s) => [s, 'read_only'])));
      const [row] = await opened.warehouse.query<{ n: string }>(`SELECT count() AS n FROM ${database}.t`);
      expect(row?.n).toBe('0');
      // The table is still there and writable through the ordinary connection.
      await opened.warehouse.command(`INSERT INTO ${database}.t SELECT 1`);
    });

    it('stops a result over the row limit and a query over the time limit', async () => {
      expect(await refusal('SELECT number FROM system.numbers LIMIT 1000')).toBe('result_too_large');
      expect(await refusal('SELECT count() FROM system.numbers')).toBe('query_timeout');
      expect(await opened.warehouse.readOnlyQuery(`SELECT count() AS n FROM ${database}.t`, LIMITS)).toEqual([
        { n: '1' },
      ]);
    });
  });
});

const targets = pipelineTargets(infra);

describe.each(targets)('POST /sql of a sink on $name', ({ name, target, missing }) => {
  describe.skipIf(missing !== undefined)(titleWithSkipReason(name, missing), () => {
    let pipeline: TestPipeline;
    pipelineForSuite(
      infra,
      target,
      (started) => {
        pipeline = started;
      },
      { ...LIMIT_ENV, SINK_SQL_TOKEN: TOKEN },
    );

    const post = async (
      body: string,
      headers: Record<string, string> = {
        'content-type': 'application/json',
        authorization: `Bearer ${TOKEN}`,
      },
    ) => {
      const response = await fetch(`${pipeline.sink.url}/sql`, { method: 'POST', headers, body });
      return {
        status: response.status,
        body: (await response.json()) as { rows?: unknown[]; error?: { code: string; message: string } },
      };
    };
    const query = (sql: string) => post(JSON.stringify({ query: sql }));
    const events = () => `${pipeline.database}.events`;

    it('answers one SELECT, WITH, SHOW, DESCRIBE or EXPLAIN, after leading comments', async () => {
      for (const sql of [
        `SELECT count() AS n FROM ${events()}`,
        `-- how many?\n/* a block comment */ SELECT count() AS n FROM ${events()};`,
        `WITH 1 AS x SELECT x`,
        `SHOW TABLES FROM ${pipeline.database}`,
        `DESCRIBE TABLE ${events()}`,
        `DESC ${events()}`,
        // ClickHouse 18.16 has no EXPLAIN (a syntax error there); chDB's engine has.
        ...(name === 'chDB' ? [`EXPLAIN SELECT count() FROM ${events()}`] : []),
        `SELECT 'a;b' AS s, "message_id" FROM ${events()} LIMIT 1 -- trailing comment`,
      ]) {
        const answer = await query(sql);
        expect(answer, sql).toMatchObject({ status: 200, body: { rows: expect.any(Array) } });
      }
      expect((await query(`SELECT count() AS n FROM ${events()}`)).body.rows).toEqual([{ n: '0' }]);
    });

    it('refuses writes, DDL, other statements and several statements, and the data stays', async () => {
      const refused = {
        [`DROP TABLE ${events()}`]: [403, 'statement_not_allowed'],
        [`INSERT INTO ${events()} (message_id) VALUES ('x')`]: [403, 'statement_not_allowed'],
        [`CREATE TABLE ${pipeline.database}.x (a UInt8) ENGINE = Memory`]: [403, 'statement_not_allowed'],
        [`ALTER TABLE ${events()} DELETE WHERE 1`]: [403, 'statement_not_allowed'],
        [`OPTIMIZE TABLE ${events()} FINAL`]: [403, 'statement_not_allowed'],
        ['KILL QUERY WHERE 1']: [403, 'statement_not_allowed'],
        ['SYSTEM SHUTDOWN']: [403, 'statement_not_allowed'],
        ['SET readonly = 0']: [403, 'statement_not_allowed'],
        ["SELECT 1 INTO OUTFILE '/tmp/okendo-sql-outfile.csv'"]: [403, 'statement_not_allowed'],
        ['SELECT 1 FORMAT CSV']: [403, 'statement_not_allowed'],
        [`SELECT 1; DROP TABLE ${events()}`]: [400, 'multiple_statements'],
        [`-- a comment\nSELECT 1;\nINSERT INTO ${events()} (message_id) VALUES ('x')`]: [
          400,
          'multiple_statements',
        ],
        [`SELECT $$;$$; DROP TABLE ${events()}`]: [400, 'unsupported_syntax'],
        ['SELECT 1 /* unterminated']: [400, 'unsupported_syntax'],
        ['']: [400, 'empty_query'],
        [FILE_QUERY]: [403, 'read_only'],
        [URL_QUERY]: [403, 'read_only'],
        [`SELECT count() FROM ${events()} SETTINGS readonly = 0`]: [403, 'read_only'],
      };
      for (const [sql, [status, code]] of Object.entries(refused)) {
        const answer = await query(sql);
        expect({ status: answer.status, code: answer.body.error?.code }, sql).toEqual({ status, code });
        expect(answer.body.error?.message, sql).toEqual(expect.any(String));
      }
      expect((await query(`SELECT count() AS n FROM ${events()}`)).body.rows).toEqual([{ n: '0' }]);
    });

    it('takes only application/json with {"query": "..."}: no cross-site simple POST', async () => {
      const sql = `SELECT count() AS n FROM ${events()}`;
      const auth = { authorization: `Bearer ${TOKEN}` };
      for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data']) {
        const answer = await post(JSON.stringify({ query: sql }), { ...auth, 'content-type': contentType });
        expect({ status: answer.status, code: answer.body.error?.code }, contentType).toEqual({
          status: 415,
          code: 'unsupported_media_type',
        });
      }
      expect((await post(sql, { ...auth, 'content-type': 'application/json' })).body.error?.code).toBe(
        'invalid_json',
      );
      expect((await post('{"sql": "SELECT 1"}')).body.error?.code).toBe('missing_query');
      expect(
        (
          await post(JSON.stringify({ query: sql }), {
            ...auth,
            'content-type': 'application/json; charset=utf-8',
          })
        ).status,
      ).toBe(200);
    });

    it('needs the bearer token when one is configured', async () => {
      const body = JSON.stringify({ query: 'SELECT 1 AS one' });
      const json = { 'content-type': 'application/json' };
      for (const headers of [
        json,
        { ...json, authorization: 'Bearer wrong-token-0123456789' },
        { ...json, authorization: TOKEN },
      ]) {
        const response = await fetch(`${pipeline.sink.url}/sql`, { method: 'POST', headers, body });
        expect(response.status).toBe(401);
        expect(response.headers.get('www-authenticate')).toBe('Bearer');
        expect(((await response.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
      }
      expect((await post(body)).body.rows).toEqual([{ one: 1 }]);
    });

    it('answers over-limit results and long queries with a clear error', async () => {
      const rows = await query('SELECT number FROM system.numbers LIMIT 1000');
      expect(rows.status).toBe(422);
      expect(rows.body.error).toEqual({
        code: 'result_too_large',
        message: expect.stringContaining(`${LIMITS.maxResultRows} rows`),
      });
      // Within the row limit, over the byte limit of the JSON answer.
      const bytes = await query(`SELECT number, '${'x'.repeat(400)}' AS s FROM system.numbers LIMIT 20`);
      expect(bytes.body.error?.code).toBe('result_too_large');
      const slow = await query('SELECT count() FROM system.numbers');
      expect(slow.status).toBe(422);
      expect(slow.body.error).toEqual({ code: 'query_timeout', message: expect.stringContaining('1 s') });
    });
  });
});
