/**
 * Audit rows of the subscription commands land in operator_audit, on the ClickHouse server (the CLI writes
 * directly) and on chDB (the CLI asks the running sink's POST /audit, which holds the data dir). POST /audit
 * itself: the SINK_SQL_TOKEN rule of /sql, JSON only, a precise 400 for a bad row, `at` stored in seconds
 * and `at_ms` exact.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInfra, titleWithSkipReason } from '../harness/infra.js';
import { pipelineTargets, sinkEnv, type TestPipeline, type WarehouseTarget } from '../harness/pipeline.js';
import { pipelineForSuite } from '../harness/pipeline-suite.js';
import { runOperatorCli } from '../harness/replay-cli.js';

const infra = runInfra();
const TOKEN = 'audit-token-0123456789abcdef';

/** Okendo for these tests: every subscription is unknown (404), which the CLI audits as failed. */
let okendo: Server;
let okendoUrl: string;
beforeAll(async () => {
  okendo = createServer((_request, response) => {
    response.writeHead(404, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ error: { description: 'Webhook subscription not found' } }));
  });
  await new Promise<void>((resolve) => okendo.listen(0, '127.0.0.1', resolve));
  okendoUrl = `http://127.0.0.1:${(okendo.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => okendo.close(resolve));
});

interface StoredAudit {
  at: string;
  at_ms: string;
  actor: string;
  command: string;
  target: string;
  outcome: string;
  detail: string;
}

describe.each(pipelineTargets(infra))('operator audit rows on $name', ({ name, target, missing }) => {
  describe.skipIf(missing !== undefined)(titleWithSkipReason(name, missing), () => {
    let pipeline: TestPipeline;
    let chosen: WarehouseTarget;
    pipelineForSuite(
      infra,
      () => {
        const found = target();
        if (found !== undefined) chosen = found;
        return found;
      },
      (started) => {
        pipeline = started;
      },
      { SINK_SQL_TOKEN: TOKEN },
    );

    const audits = (actor: string) =>
      pipeline.sql<StoredAudit>(
        `SELECT toString(at) AS at, at_ms, actor, command, target, outcome, detail FROM ${pipeline.database}.operator_audit WHERE actor = '${actor}' ORDER BY at_ms`,
      );
    const post = (body: string, headers: Record<string, string>) =>
      fetch(`${pipeline.sink.url}/audit`, { method: 'POST', headers, body }).then(async (response) => ({
        status: response.status,
        body: (await response.json()) as { status?: string; error?: { code: string; message: string } },
      }));
    const json = { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` };

    it('POST /audit stores a valid row, refuses a bad one by field, and needs the token and JSON', async () => {
      const actor = `posted-${name.length}`;
      const row = {
        at: Date.parse('2026-12-02T01:02:03.456Z'),
        actor,
        command: 'subscriptions create',
        target: 'shop-a/8f2c1a7e',
        outcome: 'ok',
        detail: 'created enabled, 15 topic(s)',
      };
      expect(await post(JSON.stringify(row), json)).toEqual({ status: 201, body: { status: 'recorded' } });
      expect(await audits(actor)).toEqual([{ ...row, at: '2026-12-02 01:02:03', at_ms: String(row.at) }]);

      const bad = await post(JSON.stringify({ ...row, outcome: 'done', at: 'now' }), json);
      expect(bad).toEqual({
        status: 400,
        body: {
          error: {
            code: 'invalid_audit_row',
            message:
              'invalid audit row: at: epoch milliseconds, a whole number between the years 2000 and 2100; outcome: one of ok, failed, incomplete, dry_run',
          },
        },
      });
      expect((await post('{', json)).body.error?.code).toBe('invalid_json');
      expect((await post(JSON.stringify(row), { ...json, 'content-type': 'text/plain' })).status).toBe(415);
      for (const authorization of ['', 'Bearer wrong-token-0123456789', TOKEN]) {
        const refused = await post(JSON.stringify(row), {
          'content-type': 'application/json',
          authorization,
        });
        expect(refused.status).toBe(401);
        expect(refused.body.error?.code).toBe('unauthorized');
      }
      expect(await audits(actor)).toHaveLength(1);
    });

    it('a failed subscription command is audited through the path the CLI takes on this warehouse', async () => {
      const actor = `cli-${name.length}`;
      const run = await runOperatorCli(
        ['subscriptions', 'disable', 'no-such-subscription', '--source', 'shop-a'],
        {
          OKENDO_API_URL: okendoUrl,
          OKENDO_USER_ID_SHOP_A: 'user-1',
          OKENDO_API_KEY_SHOP_A: 'key-0123456789abcdef',
          OKENDO_PIPELINE_ACTOR: actor,
          CLICKHOUSE_DATABASE: pipeline.database,
          SINK_URL: pipeline.sink.url,
          SINK_SQL_TOKEN: TOKEN,
          // On chDB no CLICKHOUSE_URL: the CLI must go through the sink (its data dir is locked by it).
          CLICKHOUSE_URL: undefined,
          ...(chosen.kind === 'server' ? sinkEnv(chosen, '') : { CHDB_DATA_DIR: '/nonexistent-chdb-dir' }),
        },
      );
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toContain('Okendo answered 404');
      expect(run.stderr).not.toContain('warning');
      const [row, ...more] = await audits(actor);
      expect(more).toEqual([]);
      expect(row).toMatchObject({
        command: 'subscriptions disable',
        target: 'shop-a/no-such-subscription',
        outcome: 'failed',
      });
      expect(row?.detail).toContain('Okendo answered 404');
      expect(Number(row?.at_ms)).toBeGreaterThan(0);
      expect(Math.floor(Number(row?.at_ms) / 1_000)).toBe(
        Date.parse(`${row?.at.replace(' ', 'T')}Z`) / 1_000,
      );
    });
  });
});
