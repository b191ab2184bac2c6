/**
 * `okendo-pipeline lag` against Kafka's own consumer-group tool: with the sink stopped and a known backlog,
 * per partition the committed offset, the end offset and the lag match what ConsumerGroupCommand (the class
 * behind kafka-consumer-groups.sh) prints for the sink's group, and lag seconds is at least the backlog's
 * age. The tool lives in the kafka-tools artifact, resolved here with Maven at the broker's version.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { FIXTURES } from '@okendo/schemas';
import { createSinkMetrics, LagMonitor, probeMessageTimestamps } from '@okendo/sink';
import { Kafka, logLevel } from 'kafkajs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInfra, titleWithSkipReason } from '../harness/infra.js';
import type { TestPipeline } from '../harness/pipeline.js';
import { pipelineForSuite } from '../harness/pipeline-suite.js';
import { finished, OPERATOR_CLI, runOperatorCli, spawnScript } from '../harness/replay-cli.js';

const execFileAsync = promisify(execFile);
const infra = runInfra();

const TOOLS_POM = `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.okendo-pipeline</groupId>
  <artifactId>kafka-consumer-groups-tool</artifactId>
  <version>0</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>\${kafka.version}</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-nop</artifactId><version>1.7.36</version></dependency>
  </dependencies>
</project>
`;

/** The classpath of kafka-tools (ConsumerGroupCommand) at the broker's version, resolved with Maven into ~/.m2. */
async function consumerGroupToolClasspath(version: string, dir: string): Promise<string> {
  await writeFile(join(dir, 'pom.xml'), TOOLS_POM);
  const out = join(dir, 'classpath.txt');
  await execFileAsync(
    'mvn',
    [
      '-q',
      '-B',
      '-f',
      join(dir, 'pom.xml'),
      'dependency:build-classpath',
      `-Dkafka.version=${version}`,
      `-Dmdep.outputFile=${out}`,
    ],
    { maxBuffer: 16 * 1_048_576 },
  );
  return (await readFile(out, 'utf8')).trim();
}

interface ToolRow {
  topic: string;
  partition: number;
  current: number | null;
  logEnd: number;
  lag: number | null;
}

/** `--describe --group G`: GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG CONSUMER-ID HOST CLIENT-ID. */
function parseDescribe(text: string, group: string): ToolRow[] {
  const lines = text.split('\n').map((line) => line.trim().split(/\s+/));
  const header = lines.find((cells) => cells[0] === 'GROUP');
  if (header === undefined) throw new Error(`no table in the tool's output:\n${text}`);
  const at = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`no ${name} column in ${header.join(' ')}`);
    return i;
  };
  const [topicAt, partitionAt, currentAt, endAt, lagAt] = [
    at('TOPIC'),
    at('PARTITION'),
    at('CURRENT-OFFSET'),
    at('LOG-END-OFFSET'),
    at('LAG'),
  ];
  const offset = (cell: string | undefined) => (cell === undefined || cell === '-' ? null : Number(cell));
  return lines
    .filter((cells) => cells[0] === group)
    .map((cells) => ({
      topic: String(cells[topicAt]),
      partition: Number(cells[partitionAt]),
      current: offset(cells[currentAt]),
      logEnd: Number(cells[endAt]),
      lag: offset(cells[lagAt]),
    }));
}

interface LagJson {
  topic: string;
  partition: number;
  committedOffset: number | null;
  logStartOffset: number;
  logEndOffset: number;
  lagMessages: number;
  lagSeconds: number | null;
  stuck: boolean;
  stuckReason: string | null;
}

describe.skipIf(infra.kafka === undefined || infra.clickhouse === undefined)(
  titleWithSkipReason(
    'lag against kafka-consumer-groups',
    infra.unavailable.kafka ?? infra.unavailable.clickhouse,
  ),
  () => {
    let pipeline: TestPipeline;
    let toolDir: string;
    let classpath: string;
    pipelineForSuite(
      infra,
      () => (infra.clickhouse ? { kind: 'server', endpoint: infra.clickhouse } : undefined),
      (started) => {
        pipeline = started;
      },
    );
    beforeAll(async () => {
      toolDir = await mkdtemp(join(tmpdir(), 'okendo-kafka-tools-'));
      classpath = await consumerGroupToolClasspath(infra.kafka?.version ?? '3.9.1', toolDir);
    });
    afterAll(async () => {
      if (toolDir !== undefined) await rm(toolDir, { recursive: true, force: true });
    });

    const brokers = () => {
      if (infra.kafka === undefined) throw new Error('unreachable: suite is skipped');
      return infra.kafka.brokers;
    };
    const env = (): Record<string, string | undefined> => ({
      KAFKA_BROKERS: brokers(),
      KAFKA_TOPIC_PREFIX: pipeline.ingest.prefix,
      SINK_GROUP_ID: pipeline.groupId,
    });
    const reviews = FIXTURES.filter((f) => f.resourceType === 'review' && f.topic === 'create');
    const review = reviews[0];
    if (review === undefined) throw new Error('no review fixture');
    /** A review create for a fresh entity (ids spread the keys over partitions). */
    const post = async (n: number): Promise<void> => {
      const body = review.body.replaceAll(review.entityId, `lag-${n}-${Date.now()}`);
      expect(await pipeline.post({ body })).toBe(200);
    };

    it('agrees per partition with ConsumerGroupCommand while the sink is stopped with a backlog', async () => {
      const kafka = new Kafka({
        clientId: 'cli-lag-test',
        brokers: brokers().split(','),
        logLevel: logLevel.NOTHING,
      });
      const admin = kafka.admin();
      await admin.connect();
      try {
        // Some consumed traffic first, so the group has committed offsets on several partitions.
        for (let n = 0; n < 8; n++) await post(n);
        const topic = pipeline.ingest.topic('review');
        await pipeline.waitFor<{ n: string }>(
          `SELECT count() AS n FROM ${pipeline.database}.events`,
          (rows) => rows[0]?.n === '8',
        );
        // The commit follows the insert: wait until the group has committed everything produced.
        for (;;) {
          const [committed] = await admin.fetchOffsets({ groupId: pipeline.groupId, topics: [topic] });
          const ends = await admin.fetchTopicOffsets(topic);
          const done = ends.every((end) => {
            const mine = committed?.partitions.find((p) => p.partition === end.partition);
            return Number(end.high) === 0 || Number(mine?.offset ?? -1) === Number(end.high);
          });
          if (done) break;
          await sleep(100);
        }
        await pipeline.sink.stop();
        pipeline.sink.stop = async () => {};

        const backlog = 12;
        const firstSentAt = Date.now();
        for (let n = 100; n < 100 + backlog; n++) await post(n);
        const lastAnsweredAt = Date.now();
        // Let the backlog age, so lag seconds has something to show.
        await sleep(2_000);

        const ranAt = Date.now();
        const run = await runOperatorCli(['--json', 'lag'], env());
        const finishedAt = Date.now();
        expect(run.code, run.stderr).toBe(0);
        const ours = JSON.parse(run.stdout) as LagJson[];

        const { stdout } = await execFileAsync(
          'java',
          [
            '-cp',
            classpath,
            'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand',
            '--bootstrap-server',
            brokers(),
            '--describe',
            '--group',
            pipeline.groupId,
          ],
          { maxBuffer: 16 * 1_048_576 },
        );
        const theirs = parseDescribe(stdout, pipeline.groupId);
        expect(theirs.length).toBeGreaterThan(0);
        for (const row of theirs) {
          const mine = ours.find((o) => o.topic === row.topic && o.partition === row.partition);
          expect(mine, `${row.topic}[${row.partition}]`).toBeDefined();
          expect({
            topic: mine?.topic,
            partition: mine?.partition,
            current: mine?.committedOffset,
            logEnd: mine?.logEndOffset,
            lag: mine?.lagMessages,
          }).toEqual({ ...row, lag: row.lag ?? (mine?.logEndOffset ?? 0) - (mine?.logStartOffset ?? 0) });
        }
        // Every partition the group committed on is in the tool's table too.
        for (const mine of ours.filter((o) => o.committedOffset !== null))
          expect(theirs.some((t) => t.topic === mine.topic && t.partition === mine.partition)).toBe(true);

        const waiting = ours.filter((o) => o.lagMessages > 0);
        expect(waiting.reduce((sum, o) => sum + o.lagMessages, 0)).toBe(backlog);
        expect(waiting.every((o) => o.topic === topic)).toBe(true);
        for (const row of waiting) {
          // The oldest waiting message was produced between the first post and the last answer.
          expect(row.lagSeconds).not.toBeNull();
          expect(row.lagSeconds ?? 0).toBeGreaterThanOrEqual((ranAt - lastAnsweredAt) / 1_000);
          expect(row.lagSeconds ?? 0).toBeLessThanOrEqual((finishedAt - firstSentAt) / 1_000);
          expect(row.stuck).toBe(false);
        }
        expect(ours.filter((o) => o.lagMessages === 0).every((o) => o.lagSeconds === 0)).toBe(true);

        // The sink's gauges come from the same measurement: a LagMonitor of the group reads the same figures.
        const metrics = createSinkMetrics();
        const monitor = new LagMonitor({
          admin,
          groupId: pipeline.groupId,
          topics: [...new Set(ours.map((o) => o.topic))],
          metrics,
          logger: pino({ level: 'silent' }),
          intervalMs: 60_000,
          readTimestamps: probeMessageTimestamps(kafka),
        });
        await monitor.measure();
        const gauge = async (name: string) =>
          new Map(
            (await metrics.registry.getSingleMetric(name)?.get())?.values.map((v) => [
              `${v.labels['topic']}[${v.labels['partition']}]`,
              v.value,
            ]),
          );
        const messages = await gauge('sink_consumer_lag_messages');
        const seconds = await gauge('sink_consumer_lag_seconds');
        for (const row of ours) {
          const key = `${row.topic}[${row.partition}]`;
          expect(messages.get(key), key).toBe(row.lagMessages);
          // Measured a moment after the CLI: the same oldest message, so at least as old.
          if (row.lagMessages === 0) expect(seconds.get(key), key).toBe(0);
          else expect(seconds.get(key) ?? -1, key).toBeGreaterThanOrEqual(row.lagSeconds ?? Number.NaN);
        }

        // The human table, and the stuck flag on one reading: the oldest message is older than 1s.
        const human = await runOperatorCli(['lag', '--stuck-after', '1s'], env());
        expect(human.code, human.stderr).toBe(1);
        expect(human.stdout).toMatch(/^topic\s+partition\s+committed\s+end\s+lag\s+lag s\s+stuck/);
        expect(human.stdout).toContain('STUCK (oldest message too old)');
        expect(human.stdout).toMatch(
          new RegExp(`${backlog} messages behind, oldest \\d+\\.\\d s, ${waiting.length} stuck`),
        );

        // --watch: a reading every --interval until Ctrl-C, then exit 0.
        const watching = spawnScript(OPERATOR_CLI, ['--json', 'lag', '--watch', '--interval', '1s'], env());
        const done = finished(watching);
        let printed = '';
        watching.stdout?.on('data', (chunk) => {
          printed += chunk;
        });
        while ((printed.match(/^\]$/gm) ?? []).length < 2) await sleep(100);
        watching.kill('SIGINT');
        const watched = await done;
        expect(watched.code, watched.stderr).toBe(0);
        const readings = printed.split(/(?<=^\])\n/m).filter((text) => text.trim() !== '');
        expect(readings.length).toBeGreaterThanOrEqual(2);
        for (const text of readings) {
          const rows = JSON.parse(text) as LagJson[];
          expect(rows.reduce((sum, o) => sum + o.lagMessages, 0)).toBe(backlog);
        }
      } finally {
        await admin.disconnect();
      }
    }, 180_000);
  },
);
