/**
 * A real Prometheus scrapes a real ingest and sink while webhooks arrive; the sink is stopped and traffic
 * continues, and OkendoConsumerLagGrowing goes pending and then firing. The rules are infra/prometheus/alerts.yml
 * with every range and `for:` divided by 30 (scaleRuleDurations: `for: 10m` is 20 s, `[10m]` is 20 s), the
 * scrape and evaluation interval 1 s instead of 15 s: the same expressions and thresholds on a faster clock.
 */
import { type LocalPrometheus, startPrometheus, stopPrometheus } from '@okendo/infra/local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInfra, titleWithSkipReason } from '../harness/infra.js';
import { startTraffic, type Traffic } from '../harness/monitoring-traffic.js';
import { startTestPipeline, type TestPipeline } from '../harness/pipeline.js';
import {
  hostPort,
  type PromAlert,
  PrometheusClient,
  scaleRuleDurations,
  shippedRules,
} from '../harness/prometheus.js';

const infra = runInfra();
const missing = infra.unavailable.kafka ?? infra.unavailable.clickhouse ?? infra.unavailable.prometheus;
const SCALE = 30;
const ALERT = 'OkendoConsumerLagGrowing';

async function waitForQuery(prom: PrometheusClient, promql: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await prom.query(promql)).length === 0) {
    if (Date.now() > deadline) throw new Error(`no series for ${promql} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

const lagAlerts = async (prom: PrometheusClient): Promise<PromAlert[]> =>
  (await prom.alerts()).filter((a) => a.labels['alertname'] === ALERT);

describe.skipIf(missing !== undefined)(titleWithSkipReason('Prometheus lag alert', missing), () => {
  let pipeline: TestPipeline;
  let prometheus: LocalPrometheus;
  let prom: PrometheusClient;
  let traffic: Traffic | undefined;

  beforeAll(async () => {
    if (infra.kafka === undefined || infra.clickhouse === undefined) throw new Error('unreachable: skipped');
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
      ruleFiles: [scaleRuleDurations(await shippedRules(), SCALE)],
      scrapeIntervalSeconds: 1,
      evaluationIntervalSeconds: 1,
    });
    prom = new PrometheusClient(prometheus.url);
  }, 120_000);

  afterAll(async () => {
    await traffic?.stop();
    if (prometheus !== undefined) await stopPrometheus(prometheus);
    await pipeline?.stop();
  });

  it('goes pending, then firing, once the sink stops while deliveries keep arriving', async () => {
    traffic = startTraffic(pipeline, 100);
    // Healthy first: both targets scraped, events reach the warehouse, the ingest's publish rate is known.
    await waitForQuery(prom, 'sum(sink_rows_inserted_total{job="okendo-sink",table="events"}) > 0', 60_000);
    await waitForQuery(prom, 'sink_consumer_lag_messages{job="okendo-sink"}', 60_000);
    await waitForQuery(prom, 'sum(rate(ingest_requests_total{outcome="published"}[20s])) > 0', 60_000);
    const healthyFor = Date.now() + 25_000;
    while (Date.now() < healthyFor) {
      // A consuming sink keeps the alert quiet for longer than its `for:` (20 s here).
      expect(await lagAlerts(prom)).toEqual([]);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }

    await pipeline.sink.stop();
    const stoppedAt = Date.now();
    let pendingAfterMs: number | undefined;
    let firing: PromAlert | undefined;
    while (firing === undefined) {
      if (Date.now() - stoppedAt > 180_000)
        throw new Error(`${ALERT} not firing 180 s after the sink stopped`);
      const alerts = await lagAlerts(prom);
      if (pendingAfterMs === undefined && alerts.some((a) => a.state === 'pending'))
        pendingAfterMs = Date.now() - stoppedAt;
      firing = alerts.find((a) => a.state === 'firing');
      if (firing === undefined) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const firingAfterMs = Date.now() - stoppedAt;
    console.log(
      `[prometheus-alerts] sink stopped -> ${ALERT} pending after ${pendingAfterMs} ms, firing after ` +
        `${firingAfterMs} ms (test rules: for 20 s, ranges 20 s, 1 s scrapes; shipped: for 10m, 15 s scrapes)`,
    );

    // It went through pending (the `for:` held it back) and fires on the no-sink branch: no topic label.
    expect(pendingAfterMs).toBeDefined();
    expect(firing.labels).toEqual({ alertname: ALERT, severity: 'page' });
    const sinkTargets = (await prom.targets()).filter((t) => t.job === 'okendo-sink');
    expect(sinkTargets.map((t) => t.health)).toEqual(['down']);
    // Deliveries kept being accepted: the backlog the alert is about is real.
    expect(traffic.statuses().get(200)).toBeGreaterThan(0);
    expect([...traffic.statuses().keys()]).toEqual([200]);
  }, 300_000);
});
