/**
 * A flush that ClickHouse partly refuses, through the real pipeline (signed webhooks -> ingest -> Kafka ->
 * sink -> ClickHouse server or chDB): one poison row among many good ones is isolated and dead-lettered while
 * the rest lands and the offsets are committed; an error every row shares (a column missing from the table)
 * dead-letters nothing, pauses with /readyz 503, and everything lands once the column is back.
 */
import { createHash } from 'node:crypto';
import { FIXTURES, type WebhookFixture } from '@okendo/schemas';
import { EVENT_HOPS, type Warehouse } from '@okendo/sink';
import { Partitioners } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { runInfra, titleWithSkipReason } from '../harness/infra.js';
import { kafkaClient } from '../harness/kafka.js';
import { uniqueName } from '../harness/names.js';
import type { TestPipeline, WarehouseTarget } from '../harness/pipeline.js';
import { adminPipelineForSuite } from '../harness/pipeline-suite.js';
import { reidentify } from '../traffic/planned-deliveries.js';
import { POISON_ERROR, poisonBody } from '../traffic/poison-delivery.js';

const infra = runInfra();

const targets: Array<{ name: string; kind: WarehouseTarget['kind']; missing: string | undefined }> = [
  {
    name: 'ClickHouse server',
    kind: 'server',
    missing: infra.unavailable.kafka ?? infra.unavailable.clickhouse,
  },
  { name: 'chDB', kind: 'chdb', missing: infra.unavailable.kafka ?? infra.unavailable.chdb },
];

function reviewFixture(): WebhookFixture {
  const found = FIXTURES.find((f) => f.name === 'review.create');
  if (found === undefined) throw new Error('no review.create fixture');
  return found;
}

/** Consumer lag per topic-partition, as the sink's /metrics reports it. */
async function lagOf(pipeline: TestPipeline, topic: string): Promise<number[]> {
  const text = await (await fetch(`${pipeline.sink.url}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(`sink_consumer_lag_messages{topic="${topic}"`))
    .map((line) => Number(line.split(' ').pop()));
}

async function until<T>(what: string, probe: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 60_000;
  let last = await probe();
  while (!done(last)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: last ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    last = await probe();
  }
  return last;
}

describe.each(targets)('sink: a flush ClickHouse partly refuses, on $name', ({ name, kind, missing }) => {
  describe.skipIf(missing !== undefined)(titleWithSkipReason(name, missing), () => {
    let pipeline: TestPipeline;
    let db: string;
    /** a second connection for DDL (the sink's /sql is read-only): the server, or chDB's dir in this process */
    let admin: Warehouse;
    const target = (): WarehouseTarget =>
      kind === 'server' && infra.clickhouse !== undefined
        ? { kind: 'server', endpoint: infra.clickhouse }
        : { kind: 'chdb' };
    adminPipelineForSuite(
      infra,
      target,
      (started) => {
        ({ pipeline, admin } = started);
        db = pipeline.database;
      },
      // Long enough that the concurrent posts below meet in one flush (and no early flush once caught up).
      { SINK_MAX_WAIT_MS: '1500', SINK_FLUSH_WHEN_CAUGHT_UP: 'false', SINK_LAG_INTERVAL_MS: '200' },
    );

    it('dead-letters the one refused row with the ClickHouse error, stores the rest, commits, lag back to 0', async () => {
      const review = reviewFixture();
      const run = uniqueName('p').replaceAll('_', '-');
      const good = Array.from({ length: 40 }, (_, i) => `${run}-good-${i}`);
      const poisonId = `${run}-poison`;
      const bodies = good.map((id) => reidentify(review, id, 5n));
      bodies.splice(17, 0, poisonBody(reidentify(review, poisonId, 5n), 'review'));
      const statuses = await Promise.all(bodies.map((body) => pipeline.post({ body })));
      expect(statuses.every((s) => s === 200)).toBe(true);

      const landed = await pipeline.waitFor<{ review_id: string }>(
        `SELECT review_id FROM ${db}.reviews_current WHERE startsWith(review_id, '${run}') ORDER BY review_id`,
        (rows) => rows.length >= good.length,
        60_000,
      );
      expect(landed.map((r) => r.review_id)).toEqual([...good].sort());
      const [letter] = await pipeline.waitFor<{ entity_id: string; error: string; resource_type: string }>(
        `SELECT entity_id, error, resource_type FROM ${db}.dead_letters FINAL WHERE entity_id = '${poisonId}'`,
        (rows) => rows.length === 1,
      );
      expect(letter?.resource_type).toBe('review');
      expect(letter?.error).toMatch(/^ClickHouse refused the reviews row: /);
      expect(letter?.error).toMatch(POISON_ERROR);
      // The poison event is still in the event log (its raw payload can be fixed and replayed).
      const [events] = await pipeline.sql<{ n: string }>(
        `SELECT count() AS n FROM ${db}.events_current WHERE startsWith(entity_id, '${run}')`,
      );
      expect(events?.n).toBe(String(good.length + 1));
      // Committed: the lag measured from the group's committed offsets returns to 0 on every partition.
      const lag = await until(
        'review lag 0',
        () => lagOf(pipeline, pipeline.ingest.topic('review')),
        (values) => values.length > 0 && values.every((v) => v === 0),
      );
      expect(lag.every((v) => v === 0)).toBe(true);
      await until(
        '/readyz 200',
        async () => (await fetch(`${pipeline.sink.url}/readyz`)).status,
        (status) => status === 200,
      );
      const metrics = await (await fetch(`${pipeline.sink.url}/metrics`)).text();
      expect(metrics).toMatch(
        /^sink_insert_rejected_total\{table="reviews",error="CANNOT_PARSE_ESCAPE_SEQUENCE"\} 1$/m,
      );
      expect(metrics).toMatch(/^sink_last_flush_success_timestamp_seconds \d/m);
      // Every stored event's way in, hop by hop (what npm run bench reads for freshness): each hop counted
      // once per event, and together they make up the event's age at insert.
      const series = (name: string) => Number(new RegExp(`^${name} ([\\d.e+-]+)$`, 'm').exec(metrics)?.[1]);
      const eventsInserted = series('sink_event_age_at_insert_seconds_count');
      expect(eventsInserted).toBeGreaterThanOrEqual(good.length + 1);
      let hopsTotal = 0;
      for (const hop of EVENT_HOPS) {
        expect(series(`sink_event_hop_seconds_count\\{hop="${hop}"\\}`), hop).toBe(eventsInserted);
        hopsTotal += series(`sink_event_hop_seconds_sum\\{hop="${hop}"\\}`);
      }
      const age = series('sink_event_age_at_insert_seconds_sum');
      expect(age).toBeGreaterThan(0);
      expect(Math.abs(hopsTotal - age)).toBeLessThan(age * 0.05 + 0.01 * eventsInserted);
    });

    it('a dead letter too big for the dead_letter topic keeps a prefix, its origin size and hash, and is stored', async () => {
      if (infra.kafka === undefined) throw new Error('unreachable: suite is skipped');
      // Framed as a record batch (about 100 bytes), just under the broker's default max.message.bytes
      // (1048588): the origin fits its topic, the same bytes plus the dead letter's fields (about 100 more) do
      // not fit the dead_letter topic.
      const value = Buffer.alloc(1_048_470, 0x41);
      const key = uniqueName('big');
      const producer = kafkaClient(infra.kafka.brokers).producer({
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      await producer.connect();
      try {
        await producer.send({ topic: pipeline.ingest.topic('review'), messages: [{ key, value }] });
      } finally {
        await producer.disconnect();
      }
      const sha256 = createHash('sha256').update(value).digest('hex');
      const [row] = await pipeline.waitFor<Record<string, unknown>>(
        `SELECT origin_size_bytes, origin_sha256, payload_truncated, length(payload) > 0 AS has_payload, error
         FROM ${db}.dead_letters FINAL WHERE origin_sha256 = '${sha256}'`,
        (rows) => rows.length === 1,
        60_000,
      );
      expect(row).toMatchObject({
        origin_size_bytes: String(value.length),
        payload_truncated: 1,
        has_payload: 1,
      });
      expect(row?.['error']).toMatch(/^undecodable envelope/);
      await until(
        'review lag 0',
        () => lagOf(pipeline, pipeline.ingest.topic('review')),
        (values) => values.length > 0 && values.every((v) => v === 0),
      );
    });

    it('pauses on a column missing for every row (nothing dead-lettered, /readyz 503), resumes once it is back', async () => {
      const review = reviewFixture();
      const run = uniqueName('s').replaceAll('_', '-');
      const ids = Array.from({ length: 12 }, (_, i) => `${run}-${i}`);
      const [before] = await pipeline.sql<{ n: string }>(`SELECT count() AS n FROM ${db}.dead_letters`);
      await admin.command(`ALTER TABLE ${db}.reviews DROP COLUMN reviewer_zone_code`);
      try {
        const statuses = await Promise.all(
          ids.map((id) => pipeline.post({ body: reidentify(review, id, 7n) })),
        );
        expect(statuses.every((s) => s === 200)).toBe(true);
        const readiness = await until(
          '/readyz 503',
          async () => {
            const response = await fetch(`${pipeline.sink.url}/readyz`);
            return { status: response.status, body: (await response.json()) as { reason?: string } };
          },
          (r) => r.status === 503 && (r.body.reason ?? '').includes('systemic'),
        );
        // 18.16 answers NO_SUCH_COLUMN_IN_TABLE for a dropped column, chDB INCORRECT_DATA (unknown field).
        expect(readiness.body.reason).toMatch(
          /(NO_SUCH_COLUMN_IN_TABLE \(16\)|INCORRECT_DATA \(117\)) on reviews\.reviewer_zone_code/,
        );
        const metrics = await (await fetch(`${pipeline.sink.url}/metrics`)).text();
        expect(metrics).toMatch(/^sink_paused 1$/m);
        expect(metrics).toMatch(
          /^sink_systemic_error\{table="reviews",error="(NO_SUCH_COLUMN_IN_TABLE|INCORRECT_DATA)"\} 1$/m,
        );
        // Lag comes from committed offsets on a timer: it shows the stuck messages although no flush succeeds.
        await until(
          'review lag above 0 while paused',
          () => lagOf(pipeline, pipeline.ingest.topic('review')),
          (values) => values.reduce((a, b) => a + b, 0) >= ids.length,
        );
        const [during] = await pipeline.sql<{ n: string }>(`SELECT count() AS n FROM ${db}.dead_letters`);
        expect(during?.n).toBe(before?.n);
      } finally {
        await admin.command(
          `ALTER TABLE ${db}.reviews ADD COLUMN reviewer_zone_code Nullable(String) AFTER reviewer_country_code`,
        );
      }
      const landed = await pipeline.waitFor<{ n: string }>(
        `SELECT count() AS n FROM ${db}.reviews_current WHERE startsWith(review_id, '${run}')`,
        (rows) => rows[0]?.n === String(ids.length),
        60_000,
      );
      expect(landed[0]?.n).toBe(String(ids.length));
      await until(
        '/readyz 200',
        async () => (await fetch(`${pipeline.sink.url}/readyz`)).status,
        (status) => status === 200,
      );
      const [after] = await pipeline.sql<{ n: string }>(`SELECT count() AS n FROM ${db}.dead_letters`);
      expect(after?.n).toBe(before?.n);
      expect(await (await fetch(`${pipeline.sink.url}/metrics`)).text()).toMatch(/^sink_paused 0$/m);
    });
  });
});
