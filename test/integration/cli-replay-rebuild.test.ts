/**
 * `okendo-pipeline rebuild` and `okendo-pipeline redrive` on the ClickHouse server: the same library calls,
 * options, report lines and exit codes as `npm run rebuild|redrive`, and an operator_audit row per run. The
 * history is made as in redrive.test.ts: events rows planned by the sink itself, and a dead letter an older
 * strict sink left for a review whose rating was an object.
 */
import { migrate } from '@okendo/infra/clickhouse';
import { envelopeCodec, FIXTURES, type WebhookEnvelope } from '@okendo/schemas';
import {
  ClickHouseServerWarehouse,
  type ConsumedMessage,
  deadLetterRow,
  newDeadLetter,
  planBatch,
  type RebuildSummary,
  type RedriveSummary,
  type Warehouse,
} from '@okendo/sink';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInfra, titleWithSkipReason } from '../harness/infra.js';
import { uniqueName } from '../harness/names.js';
import { runOperatorCli } from '../harness/replay-cli.js';

const infra = runInfra();

function event(
  name: string,
  entityId: string,
  offset: number,
  edit?: (resource: Record<string, unknown>) => void,
) {
  const fixture = FIXTURES.find((f) => f.name === name);
  if (fixture === undefined) throw new Error(`no fixture ${name}`);
  const body = JSON.parse(fixture.body) as Record<string, unknown> & { resource: Record<string, unknown> };
  edit?.(body.resource);
  const envelope: WebhookEnvelope = {
    messageId: `msg_${entityId}`,
    senderTimestamp: 1_789_999_990n,
    receivedAtMs: 1_789_999_995_000n + BigInt(offset),
    source: 'default',
    resourceType: String(body['resourceType']),
    topic: 'update',
    sequenceNumber: BigInt(String(body['sequenceNumber'])),
    version: '2025-02-01',
    subscriberId: null,
    entityId,
    rawBody: Buffer.from(JSON.stringify(body)),
  };
  const value = envelopeCodec.encode(envelope);
  const message: ConsumedMessage = {
    topic: `okendo.${envelope.resourceType}`,
    topicKey: envelope.resourceType as ConsumedMessage['topicKey'],
    partition: 0,
    offset: String(offset),
    key: Buffer.from(entityId),
    value,
    sizeBytes: value.length,
  };
  const [events] = planBatch([message]).rows.get('events') ?? [];
  if (events === undefined) throw new Error('no events row planned');
  return { envelope, message, events };
}

describe.skipIf(infra.clickhouse === undefined)(
  titleWithSkipReason(
    'okendo-pipeline rebuild and redrive on the ClickHouse server',
    infra.unavailable.clickhouse,
  ),
  () => {
    let warehouse: Warehouse;
    const db = uniqueName('okendo_cli_rebuild');
    let env: Record<string, string | undefined>;

    beforeAll(async () => {
      const endpoint = infra.clickhouse;
      if (endpoint === undefined) throw new Error('unreachable: suite is skipped');
      warehouse = new ClickHouseServerWarehouse(endpoint);
      await migrate(warehouse, db);
      env = {
        CLICKHOUSE_URL: endpoint.url,
        CLICKHOUSE_USER: endpoint.username,
        CLICKHOUSE_PASSWORD: endpoint.password,
        CLICKHOUSE_DATABASE: db,
        OKENDO_PIPELINE_ACTOR: 'rebuild-test',
      };
    });

    afterAll(async () => {
      await warehouse?.command(`DROP DATABASE IF EXISTS ${db}`);
      await warehouse?.close();
    });

    it('rebuilds from the event log and re-drives a dead letter, as npm run rebuild|redrive do, audited', async () => {
      const run = uniqueName('cr').replaceAll('_', '-');
      const reviews = [1, 2, 3].map((i) => event('review.update', `${run}-r${i}`, i));
      const quiz = event('quiz_response.create', `${run}-q`, 4);
      const healed = event('review.update', `${run}-healed`, 5, (resource) => {
        resource['rating'] = { stars: 'five' };
      });
      await warehouse.insertJsonEachRow(
        `${db}.events`,
        [...reviews, quiz, healed].map((e) => e.events),
      );
      await warehouse.insertJsonEachRow(`${db}.dead_letters`, [
        deadLetterRow(
          newDeadLetter(healed.message, 'rating must be a number', healed.envelope, Date.now()),
          Date.now(),
        ),
      ]);

      const dry = await runOperatorCli(['--json', 'rebuild', '--dry-run', '--resource-type', 'review'], env);
      expect(dry.code, dry.stderr).toBe(0);
      expect(JSON.parse(dry.stdout) as RebuildSummary).toMatchObject({ dryRun: true, eventsRead: 4 });
      expect((await warehouse.query<{ n: string }>(`SELECT count() AS n FROM ${db}.reviews`))[0]?.n).toBe(
        '0',
      );

      const real = await runOperatorCli(['rebuild', '--page-size', '2'], env);
      expect(real.code, real.stderr).toBe(0);
      expect(real.stdout).toMatch(/^rebuild: 5 events read in 3 page\(s\), .* events\/s$/m);
      expect(real.stdout).toMatch(/^ {2}reviews +4$/m);
      const current = await warehouse.query<{ review_id: string }>(
        `SELECT review_id FROM ${db}.reviews_current WHERE startsWith(review_id, '${run}') ORDER BY review_id`,
      );
      expect(current.map((r) => r.review_id)).toEqual([
        `${run}-healed`,
        `${run}-r1`,
        `${run}-r2`,
        `${run}-r3`,
      ]);

      const redrive = await runOperatorCli(['--json', 'redrive'], env);
      expect(redrive.code, redrive.stderr).toBe(0);
      expect(JSON.parse(redrive.stdout) as RedriveSummary).toMatchObject({ open: 1, redriven: 1 });
      const again = await runOperatorCli(['redrive'], env);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toMatch(
        /^redrive: 0 open dead letter\(s\), 0 re-driven, 0 stay open; 1 re-driven earlier/m,
      );

      // The same usage errors as the npm scripts, exit 2, nothing audited for them.
      const bad = await runOperatorCli(['rebuild', '--since', 'yesterday'], env);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/--since: expected an ISO date/);
      expect((await runOperatorCli(['rebuild', '--resource-type', 'reveiw'], env)).code).toBe(2);

      const audit = await warehouse.query<{ command: string; outcome: string; actor: string }>(
        `SELECT command, outcome, actor FROM ${db}.operator_audit ORDER BY at_ms`,
      );
      expect(audit).toEqual([
        { command: 'rebuild', outcome: 'dry_run', actor: 'rebuild-test' },
        { command: 'rebuild', outcome: 'ok', actor: 'rebuild-test' },
        { command: 'redrive', outcome: 'ok', actor: 'rebuild-test' },
        { command: 'redrive', outcome: 'ok', actor: 'rebuild-test' },
      ]);
    });
  },
);
