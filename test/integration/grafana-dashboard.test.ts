/**
 * Grafana cannot run here, so its dashboard is proved against what it would ask: a real Prometheus scrapes a
 * real ingest and sink during traffic of every kind the panels show (deliveries of each resource type, a
 * refused signature, an unrouted delivery, a row ClickHouse refuses), and every panel query, its template
 * variables replaced as for "All", must parse and return at least one series; each template variable must
 * list values.
 */

import { type LocalPrometheus, startPrometheus, stopPrometheus } from '@okendo/infra/local';
import { FIXTURES } from '@okendo/schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Dashboard,
  labelValuesQuery,
  type PanelQuery,
  panelQueries,
  readDashboard,
} from '../harness/grafana-dashboard.js';
import { runInfra, titleWithSkipReason } from '../harness/infra.js';
import { startTraffic, type Traffic } from '../harness/monitoring-traffic.js';
import { startTestPipeline, type TestPipeline } from '../harness/pipeline.js';
import { hostPort, PrometheusClient } from '../harness/prometheus.js';
import { newWebhookSecret, signedHeaders } from '../harness/webhook-signer.js';
import { poisonBody } from '../traffic/poison-delivery.js';

const infra = runInfra();
const missing = infra.unavailable.kafka ?? infra.unavailable.clickhouse ?? infra.unavailable.prometheus;

describe.skipIf(missing !== undefined)(titleWithSkipReason('Grafana dashboard queries', missing), () => {
  let pipeline: TestPipeline;
  let prometheus: LocalPrometheus;
  let prom: PrometheusClient;
  let traffic: Traffic | undefined;
  let dashboard: Dashboard;

  beforeAll(async () => {
    if (infra.kafka === undefined || infra.clickhouse === undefined) throw new Error('unreachable: skipped');
    dashboard = await readDashboard();
    pipeline = await startTestPipeline(
      infra.kafka.brokers,
      { kind: 'server', endpoint: infra.clickhouse },
      { SINK_LAG_INTERVAL_MS: '1000' },
    );
    prometheus = await startPrometheus({
      jobs: [
        { job: 'okendo-ingest', targets: [hostPort(pipeline.ingest.url)] },
        { job: 'okendo-sink', targets: [hostPort(pipeline.sink.url)] },
      ],
      scrapeIntervalSeconds: 1,
    });
    prom = new PrometheusClient(prometheus.url);
    traffic = startTraffic(pipeline, 100);
    await sendOddDeliveries(pipeline);
  }, 120_000);

  afterAll(async () => {
    await traffic?.stop();
    if (prometheus !== undefined) await stopPrometheus(prometheus);
    await pipeline?.stop();
  });

  it('refuses an invalid query (the check below would catch a broken panel)', async () => {
    await expect(prom.query('sum(rate(ingest_responses_total[1m])')).rejects.toThrow(/parse error/);
  });

  it('every panel query returns series', async () => {
    // 20 s covers several 1 s scrapes, as Grafana's $__rate_interval covers 4 scrape intervals.
    const queries = panelQueries(dashboard, '20s');
    expect(queries.length).toBeGreaterThan(15);
    let empty: PanelQuery[] = queries;
    const deadline = Date.now() + 120_000;
    while (empty.length > 0 && Date.now() < deadline) {
      const still: PanelQuery[] = [];
      for (const q of empty) {
        // An error (invalid PromQL, unknown function) throws at once: waiting cannot fix it.
        if ((await prom.query(q.promql)).length === 0) still.push(q);
      }
      empty = still;
      if (empty.length > 0) await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    const report = empty.map((q) => `${q.panel} (${q.refId}): ${q.promql}`);
    console.log(`[grafana-dashboard] ${queries.length} panel queries, ${empty.length} without series`);
    expect(report).toEqual([]);
  }, 180_000);

  it('every template variable lists values', async () => {
    for (const variable of dashboard.templating.list) {
      const { selector, label } = labelValuesQuery(variable.definition ?? '');
      const response = await fetch(
        `${prom.url}/api/v1/label/${label}/values?match[]=${encodeURIComponent(selector)}`,
      );
      const body = (await response.json()) as { status: string; data?: string[]; error?: string };
      expect(body.error).toBeUndefined();
      expect(body.data?.length, `variable ${variable.name}`).toBeGreaterThan(0);
    }
  });
});

/** A refused signature, an unrouted delivery and a poison row, so the panels about them have series. */
async function sendOddDeliveries(pipeline: TestPipeline): Promise<void> {
  const review = FIXTURES.find((f) => f.resourceType === 'review');
  if (review === undefined) throw new Error('no review fixture');
  const forged = await fetch(`${pipeline.ingest.url}/webhooks/okendo`, {
    method: 'POST',
    headers: signedHeaders(newWebhookSecret(), review.body),
    body: review.body,
  });
  expect(forged.status).toBe(401);
  const unknownType = review.body.replace('"resourceType":"review"', '"resourceType":"not_a_type"');
  expect(unknownType).not.toBe(review.body);
  expect(await pipeline.post({ body: unknownType })).toBe(200);
  expect(await pipeline.post({ body: poisonBody(review.body, 'review') })).toBe(200);
}
