/**
 * ClickHouse stops mid-stream under a running sink. This test owns its ClickHouse server (stopping the run's
 * shared one would disturb the test files beside it). While it is down, no offset may move past data that is
 * not inserted; once it is back, the sink resumes by itself and every acknowledged event is there, once.
 */

import { setTimeout as sleep } from 'node:timers/promises';
import { type LocalClickHouse, startClickHouseServer, stopClickHouseServer } from '@okendo/infra/local';
import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInfra, titleWithSkipReason } from '../harness/infra.js';
import { kafkaClient } from '../harness/kafka.js';
import { uniqueName } from '../harness/names.js';
import { startTestPipeline, type TestPipeline } from '../harness/pipeline.js';
import { reviewBody } from '../harness/review-stream.js';

const infra = runInfra();
const BEFORE = 60;
const DURING = 60;

describe.skipIf(infra.kafka === undefined || infra.clickhouse === undefined)(
  titleWithSkipReason(
    'sink: ClickHouse outage loses nothing and doubles nothing',
    infra.unavailable.kafka ?? infra.unavailable.clickhouse,
  ),
  () => {
    let clickhouse: LocalClickHouse;
    let pipeline: TestPipeline;
    let admin: Admin;
    const prefix = uniqueName('outage');

    beforeAll(async () => {
      clickhouse = await startClickHouseServer();
      pipeline = await startTestPipeline(infra.kafka?.brokers ?? '', {
        kind: 'server',
        endpoint: { url: clickhouse.url, username: 'default', password: '' },
      });
      admin = kafkaClient(infra.kafka?.brokers ?? '').admin();
      await admin.connect();
    });

    afterAll(async () => {
      await admin?.disconnect();
      await pipeline?.stop();
      if (clickhouse) await stopClickHouseServer(clickhouse, { graceMs: 5_000 });
    });

    const committed = async () => {
      const [topic] = await admin.fetchOffsets({
        groupId: pipeline.groupId,
        topics: [pipeline.ingest.topic('review')],
      });
      return (topic?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
    };
    const post = async (from: number, count: number) => {
      const statuses = await Promise.all(
        Array.from({ length: count }, (_, i) =>
          pipeline.post({
            body: reviewBody({
              reviewId: `${prefix}-${from + i}`,
              sequenceNumber: BigInt(1_000 + from + i),
              topic: 'create',
              rating: 1 + ((from + i) % 5),
              status: 'approved',
              tags: ['outage'],
              mediaCount: 1,
            }),
          }),
        ),
      );
      return statuses.filter((s) => s === 200).length;
    };

    it('commits nothing while ClickHouse is down, then catches up with 0 lost and 0 duplicates', async () => {
      const db = pipeline.database;
      expect(await post(0, BEFORE)).toBe(BEFORE);
      await pipeline.waitFor<{ n: string }>(
        `SELECT count() AS n FROM ${db}.events_current`,
        (rows) => rows[0]?.n === String(BEFORE),
      );
      for (let i = 0; i < 20 && (await committed()) < BEFORE; i++) await sleep(100);
      expect(await committed()).toBe(BEFORE);

      await stopClickHouseServer(clickhouse, { keepData: true });
      const acknowledgedDuring = await post(BEFORE, DURING);
      expect(acknowledgedDuring).toBe(DURING); // the ingest does not depend on ClickHouse
      await sleep(4_000); // several retry rounds of the sink against a dead server
      expect(await committed()).toBe(BEFORE);
      expect((await fetch(`${pipeline.sink.url}/readyz`)).status).toBe(503);

      clickhouse = await startClickHouseServer({ reuse: clickhouse });
      const total = BEFORE + DURING;
      await pipeline.waitFor<{ n: string }>(
        `SELECT count() AS n FROM ${db}.events_current`,
        (rows) => rows[0]?.n === String(total),
        60_000,
      );
      const [state] = await pipeline.sql<{ rows: string; ids: string }>(
        `SELECT count() AS rows, uniqExact(review_id) AS ids FROM ${db}.reviews_current WHERE review_id LIKE '${prefix}-%'`,
      );
      expect(state).toEqual({ rows: String(total), ids: String(total) });
      const [children] = await pipeline.sql<{ rows: string }>(
        `SELECT count() AS rows FROM ${db}.review_tags_current WHERE review_id LIKE '${prefix}-%'`,
      );
      expect(children?.rows).toBe(String(total));
      for (let i = 0; i < 30 && (await committed()) < total; i++) await sleep(100);
      expect(await committed()).toBe(total);
    });
  },
);
