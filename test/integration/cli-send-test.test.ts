/**
 * `okendo-pipeline send-test` and `trace` as processes against a real pipeline (ingest, Kafka, sink, the
 * ClickHouse server): a sample delivery arrives everywhere with each hop's latency; a bad signature gets 401;
 * the ingest down and the sink down each end with exit 4 and a message naming that hop; trace follows a
 * delivered message, a dead-lettered one and an unrouted one, and exits 1 for an id found nowhere.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { runInfra, titleWithSkipReason } from '../harness/infra.js';
import { spawnTestIngest } from '../harness/ingest.js';
import type { PipelineWithAdmin, TestPipeline } from '../harness/pipeline.js';
import { adminPipelineForSuite, pipelineForSuite } from '../harness/pipeline-suite.js';
import { runOperatorCli } from '../harness/replay-cli.js';

const infra = runInfra();

interface SendTestJson {
  messageId: string;
  entityId: string;
  ingest: { status: number; answer: string; ms: number };
  events?: { ms: number; kafkaTopic: string; kafkaPartition: number; kafkaOffset: number };
  current?: { ms: number; view: string };
}

describe.skipIf(infra.kafka === undefined || infra.clickhouse === undefined)(
  titleWithSkipReason(
    'send-test and trace on the real pipeline',
    infra.unavailable.kafka ?? infra.unavailable.clickhouse,
  ),
  () => {
    let pipeline: TestPipeline;
    pipelineForSuite(
      infra,
      () => (infra.clickhouse ? { kind: 'server', endpoint: infra.clickhouse } : undefined),
      (started) => {
        pipeline = started;
      },
    );
    const env = (): Record<string, string | undefined> => {
      const clickhouse = infra.clickhouse;
      if (clickhouse === undefined || infra.kafka === undefined)
        throw new Error('unreachable: suite is skipped');
      return {
        INGEST_URL: pipeline.ingest.url,
        SINK_URL: pipeline.sink.url,
        CLICKHOUSE_URL: clickhouse.url,
        CLICKHOUSE_USER: clickhouse.username,
        CLICKHOUSE_PASSWORD: clickhouse.password,
        CLICKHOUSE_DATABASE: pipeline.database,
        KAFKA_BROKERS: infra.kafka.brokers,
        KAFKA_TOPIC_PREFIX: pipeline.ingest.prefix,
        SINK_GROUP_ID: pipeline.groupId,
        OKENDO_WEBHOOK_SECRETS: pipeline.ingest.secret,
        OKENDO_WEBHOOK_SOURCES_FILE: undefined,
        OKENDO_PIPELINE_ACTOR: 'cli-send-test',
        CHDB_DATA_DIR: undefined,
      };
    };
    const cli = (args: string[]) => runOperatorCli(args, env());
    const brokers = (): string => {
      if (infra.kafka === undefined) throw new Error('unreachable: suite is skipped');
      return infra.kafka.brokers;
    };
    const sent: Record<string, SendTestJson> = {};

    it('delivers a sample review and prints each hop with its latency (table, then --json)', async () => {
      const human = await cli(['send-test', 'review', '--set', 'resource.rating=2']);
      expect(human.code, human.stderr).toBe(0);
      expect(human.stdout).toMatch(/ingest answer \(200\)\s+\d+\.\d\s+published/);
      expect(human.stdout).toMatch(/2xx -> events row\s+\d+\.\d\s+\S+review partition \d+ offset \d+/);
      expect(human.stdout).toMatch(/2xx -> _current row\s+\d+\.\d\s+\S+\.reviews_current/);

      const run = await cli(['--json', 'send-test', 'review', '--set', 'resource.title=Second sample']);
      expect(run.code, run.stderr).toBe(0);
      const result = JSON.parse(run.stdout) as SendTestJson;
      sent['review'] = result;
      expect(result.ingest).toMatchObject({ status: 200, answer: 'published' });
      expect(result.events?.kafkaTopic).toBe(pipeline.ingest.topic('review'));
      // The hops the CLI reports are really there: the row at that Kafka position, current in the view.
      const rows = await pipeline.sql<{ kafka_partition: number; kafka_offset: string; title: string }>(
        `SELECT e.kafka_partition AS kafka_partition, toString(e.kafka_offset) AS kafka_offset, r.title AS title
         FROM ${pipeline.database}.events AS e
         INNER JOIN ${pipeline.database}.reviews_current AS r ON r.message_id = e.message_id
         WHERE e.message_id = '${result.messageId}'`,
      );
      expect(rows).toEqual([
        {
          kafka_partition: result.events?.kafkaPartition,
          kafka_offset: String(result.events?.kafkaOffset),
          title: 'Second sample',
        },
      ]);
      console.info(
        `send-test hops (ms): ingest ${result.ingest.ms.toFixed(1)}, events ${result.events?.ms.toFixed(1)}, current ${result.current?.ms.toFixed(1)}`,
      );
      const audit = await pipeline.sql<{ outcome: string; detail: string }>(
        `SELECT outcome, detail FROM ${pipeline.database}.operator_audit WHERE command = 'send-test' AND actor = 'cli-send-test'`,
      );
      expect(audit.map((a) => a.outcome)).toEqual(['ok', 'ok']);
      expect(audit.some((a) => a.detail.includes(result.messageId))).toBe(true);
    });

    it('--bad-signature gets 401, exits 0, and nothing is stored', async () => {
      const run = await cli(['--json', 'send-test', 'loyalty_customer', '--bad-signature']);
      expect(run.code, run.stderr).toBe(0);
      const result = JSON.parse(run.stdout) as SendTestJson;
      expect(result.ingest.status).toBe(401);
      expect(result.events).toBeUndefined();
      const [row] = await pipeline.sql<{ n: string }>(
        `SELECT count() AS n FROM ${pipeline.database}.events WHERE message_id = '${result.messageId}'`,
      );
      expect(row?.n).toBe('0');
    });

    it('trace follows a delivered message: Kafka position, events row, current state row', async () => {
      const delivered = sent['review'];
      if (delivered === undefined) throw new Error('the first test did not run');
      const run = await cli(['--json', 'trace', delivered.messageId]);
      expect(run.code, run.stderr).toBe(0);
      const trace = JSON.parse(run.stdout) as {
        event: { kafkaTopic: string; kafkaPartition: number; kafkaOffset: number; entityId: string };
        state: { current: boolean; table: string };
        version: { table: string };
        deadLetters: unknown[];
      };
      expect(trace.event).toMatchObject({
        kafkaTopic: delivered.events?.kafkaTopic,
        kafkaPartition: delivered.events?.kafkaPartition,
        kafkaOffset: delivered.events?.kafkaOffset,
        entityId: delivered.entityId,
      });
      expect(trace.state).toMatchObject({ current: true, table: 'reviews' });
      expect(trace.version.table).toBe('review_versions');
      expect(trace.deadLetters).toEqual([]);

      const human = await cli(['trace', delivered.messageId]);
      expect(human.code, human.stderr).toBe(0);
      expect(human.stdout).toMatch(/kafka\s+\S+Z\s+\S+review partition \d+ offset \d+/);
      expect(human.stdout).toMatch(/state row\s+\S+Z\s+reviews: current version/);
    });

    it('trace shows an update that superseded the traced version', async () => {
      const delivered = sent['review'];
      if (delivered === undefined) throw new Error('the first test did not run');
      const update = await cli([
        '--json',
        'send-test',
        'review',
        '--topic',
        'update',
        '--set',
        `resource.reviewId=${delivered.entityId}`,
      ]);
      expect(update.code, update.stderr).toBe(0);
      const newer = JSON.parse(update.stdout) as SendTestJson;
      const run = await cli(['trace', delivered.messageId]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain(`superseded by message ${newer.messageId}`);
    });

    it('a delivery the sink cannot store: send-test names hop 3, trace finds the dead letter', async () => {
      // A lone surrogate (test/traffic/poison-delivery.ts): ClickHouse refuses the state row for good.
      const run = await cli(['send-test', 'review', '--set', 'resource.title="\\ud800"']);
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toMatch(/hop 3, the state tables: the sink dead-lettered it; see trace msg_\w+$/m);
      const messageId = /see trace (msg_\w+)/.exec(run.stderr)?.[1];
      expect(messageId).toBeDefined();
      const trace = await cli(['--json', 'trace', String(messageId)]);
      expect(trace.code, trace.stderr).toBe(0);
      const found = JSON.parse(trace.stdout) as {
        deadLetters: Array<{ originTopic: string; error: string }>;
      };
      expect(found.deadLetters).toHaveLength(1);
      expect(found.deadLetters[0]?.originTopic).toBe(pipeline.ingest.topic('review'));
      const human = await cli(['trace', String(messageId)]);
      expect(human.stdout).toMatch(
        /dead letter\s+\S+Z\s+from \S+review partition \d+ offset \d+: .*Code: 25/,
      );
    }, 60_000);

    it('an unroutable delivery: send-test says it was parked, trace finds it in unrouted_deliveries', async () => {
      const run = await cli(['send-test', 'review', '--set', 'resourceType=widget']);
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toMatch(/hop 1, the ingest: accepted but could not route it/);
      const messageId = /see trace (msg_\w+)/.exec(run.stderr)?.[1];
      await pipeline.waitFor(
        `SELECT 1 FROM ${pipeline.database}.unrouted_deliveries WHERE message_id = '${messageId}'`,
        (rows) => rows.length === 1,
      );
      const trace = await cli(['trace', String(messageId)]);
      expect(trace.code, trace.stderr).toBe(0);
      expect(trace.stdout).toMatch(
        /unrouted\s+\S+Z\s+unknown_resource_type|unrouted\s+\S+Z\s+\w+, source default/,
      );
    });

    it('trace exits 1 for an id found nowhere', async () => {
      const run = await cli(['trace', 'msg_nowhere_to_be_found']);
      expect(run.code).toBe(1);
      expect(run.stderr.trim()).toMatch(
        /^okendo-pipeline: message msg_nowhere_to_be_found found nowhere: events, dead_letters, unrouted_deliveries/,
      );
    });

    it("trace --ingest-log shows the ingest's answers from its JSON log (a 401 and a delivery)", async () => {
      // The ingest as its own process, logging JSON to a file, publishing to this pipeline's topics.
      const dir = await mkdtemp(join(tmpdir(), 'cli-trace-log-'));
      const logFile = join(dir, 'ingest.log');
      const ingest = await spawnTestIngest(
        brokers(),
        { KAFKA_TOPIC_PREFIX: pipeline.ingest.prefix, OKENDO_WEBHOOK_SECRETS: pipeline.ingest.secret },
        { logFile },
      );
      try {
        const viaProcess = { ...env(), INGEST_URL: ingest.url };
        const good = await runOperatorCli(['--json', 'send-test', 'quiz_response'], viaProcess);
        expect(good.code, good.stderr).toBe(0);
        const delivered = JSON.parse(good.stdout) as SendTestJson;
        const bad = await runOperatorCli(['--json', 'send-test', 'review', '--bad-signature'], viaProcess);
        expect(bad.code, bad.stderr).toBe(0);
        const refused = JSON.parse(bad.stdout) as SendTestJson;
        // The log line is written after the answer: wait for it rather than race it.
        for (const id of [delivered.messageId, refused.messageId])
          while (!(await readFile(logFile, 'utf8')).includes(id)) await sleep(100);

        const traced = await cli(['--json', 'trace', delivered.messageId, '--ingest-log', logFile]);
        expect(traced.code, traced.stderr).toBe(0);
        const trace = JSON.parse(traced.stdout) as {
          ingest: Array<{ status: number; outcome: string; source?: string }>;
          event?: { kafkaTopic: string };
          state?: { current: boolean };
        };
        expect(trace.ingest).toEqual([
          expect.objectContaining({ status: 200, outcome: 'published', source: 'default' }),
        ]);
        expect(trace.event?.kafkaTopic).toBe(pipeline.ingest.topic('quiz_response'));
        expect(trace.state?.current).toBe(true);

        // Refused at the door: only the ingest's log knows it, which is enough to be found.
        const human = await cli(['trace', refused.messageId, '--ingest-log', logFile]);
        expect(human.code, human.stderr).toBe(0);
        expect(human.stdout).toMatch(/ingest answer\s+\S+Z\s+401 unauthorized \(no_valid_signature\)/);
        const without = await cli(['trace', refused.messageId]);
        expect(without.code).toBe(1);
      } finally {
        await ingest.stop();
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('the sink down: exit 4 naming the sink hop (the message waits in Kafka)', async () => {
      await pipeline.sink.stop();
      // pipeline.stop() stops the sink again at the end: make that a no-op.
      pipeline.sink.stop = async () => {};
      const run = await cli(['send-test', 'review']);
      expect(run.code, run.stderr).toBe(4);
      expect(run.stderr).toMatch(/hop 2, the sink: no events row, and the sink at http:\S+ does not answer/);
      expect(run.stdout).toBe('');
    });

    it('the ingest down: exit 4 naming the ingest hop', async () => {
      await pipeline.ingest.stop();
      pipeline.ingest.stop = async () => {};
      const run = await cli(['send-test', 'review']);
      expect(run.code, run.stderr).toBe(4);
      expect(run.stderr).toMatch(
        /hop 1, the ingest: POST http:\S+\/webhooks\/okendo got no answer \(ECONNREFUSED\)/,
      );
    });
  },
);

describe.skipIf(infra.kafka === undefined || infra.chdb === undefined)(
  titleWithSkipReason(
    'send-test and trace in embedded mode (chDB, read through the sink)',
    infra.unavailable.kafka ?? infra.unavailable.chdb,
  ),
  () => {
    let started: PipelineWithAdmin;
    adminPipelineForSuite(
      infra,
      () => (infra.chdb ? { kind: 'chdb' } : undefined),
      (pipeline) => {
        started = pipeline;
      },
    );

    it('delivers, times the hops and traces the message through the running sink', async () => {
      const { pipeline, dataDir } = started;
      const env = {
        INGEST_URL: pipeline.ingest.url,
        SINK_URL: pipeline.sink.url,
        CLICKHOUSE_URL: undefined,
        CHDB_DATA_DIR: dataDir,
        CLICKHOUSE_DATABASE: pipeline.database,
        OKENDO_WEBHOOK_SECRETS: pipeline.ingest.secret,
        OKENDO_WEBHOOK_SOURCES_FILE: undefined,
        OKENDO_PIPELINE_ACTOR: 'cli-send-test-chdb',
      };
      const run = await runOperatorCli(['--json', 'send-test', 'survey_response'], env);
      expect(run.code, run.stderr).toBe(0);
      const result = JSON.parse(run.stdout) as SendTestJson;
      expect(result.current?.view).toBe(`${pipeline.database}.survey_responses_current`);
      const trace = await runOperatorCli(['trace', result.messageId], env);
      expect(trace.code, trace.stderr).toBe(0);
      expect(trace.stdout).toMatch(/state row\s+\S+Z\s+survey_responses: current version/);
      const audit = await pipeline.sql<{ outcome: string }>(
        `SELECT outcome FROM ${pipeline.database}.operator_audit WHERE actor = 'cli-send-test-chdb'`,
      );
      expect(audit).toEqual([{ outcome: 'ok' }]);
    });
  },
);
