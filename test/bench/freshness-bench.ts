/**
 * Freshness: at a steady rate of signed review deliveries, the time from the ingest's 2xx to the row being
 * visible in reviews_current. A sample of deliveries is tracked (at most ~400 per rate) and polled every 50 ms,
 * so figures carry up to ~50 ms of polling error.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ClickHouseServerWarehouse, EVENT_HOPS } from '@okendo/sink';
import { newWebhookSecret, signedHeaders } from '../harness/webhook-signer.js';
import { onlyOf, planDeliveries } from '../traffic/planned-deliveries.js';
import {
  type HistogramTotals,
  meanMsBetween,
  percentile,
  rssSampler,
  scrapeHistogram,
  spawnCompiled,
  stopChild,
  waitForLine,
} from './measure.js';

const SENDER_TIMEOUT_MS = 15_000;

export interface FreshnessFigures {
  targetRate: number;
  achievedRate: number;
  acknowledged: number;
  /** answered, but not 2xx (503 from a saturated ingest, ...) */
  failed: number;
  /** no answer within the 15 s Svix waits before it counts a delivery as failed */
  timedOut: number;
  sampled: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
}

/**
 * Where the time goes at one rate: the mean of every event's hops (the sink's sink_event_hop_seconds and the
 * ingest's response time, scraped before and after the rate), and what is left between the inserts and the
 * bench's poll seeing the row. The row is in reviews_current once the state tables are written (the event log
 * is written after them); the 2xx is sent during kafka_to_sink (once the broker acknowledged), so
 * freshness = (received -> state written) - (received -> 2xx) + stateToVisible.
 */
export interface FreshnessHops {
  targetRate: number;
  /** received by the ingest -> 2xx sent */
  ingestAnswerMs: number;
  /** received -> the producer's timestamp: verification and the publish queue */
  ingestToKafkaMs: number;
  /** -> handed to the sink by kafkajs: the broker's ack (replication) and the consumer's next fetch */
  kafkaToSinkMs: number;
  /** -> its flush starts */
  flushWaitMs: number;
  /** -> the state, version and child tables of its flush written (a few at once) */
  stateInsertMs: number;
  /** -> the event log written (after the state tables; not on the way to reviews_current) */
  eventLogInsertMs: number;
  /** state written -> seen in reviews_current by the bench (the view's query and the 50 ms poll) */
  stateToVisibleMs: number;
}

async function scrapeHops(ingestMetrics: string, sinkMetrics: string): Promise<HistogramTotals[]> {
  return Promise.all([
    scrapeHistogram(ingestMetrics, 'ingest_response_duration_seconds'),
    ...EVENT_HOPS.map((hop) => scrapeHistogram(sinkMetrics, 'sink_event_hop_seconds', `hop="${hop}"`)),
  ]);
}

export async function benchFreshness(
  brokers: string,
  clickhouseUrl: string,
  rates: readonly number[],
  secondsPerRate: number,
): Promise<{
  rates: FreshnessFigures[];
  hops: FreshnessHops[];
  ingestPeakRssMb: number;
  sinkPeakRssMb: number;
}> {
  const stamp = Date.now().toString(36);
  const secret = newWebhookSecret();
  const database = `bench_fresh_${stamp}`;
  // The shipped configuration: default log level and flush settings.
  const common = { KAFKA_BROKERS: brokers, KAFKA_TOPIC_PREFIX: `fresh${stamp}.` };
  const sink = spawnCompiled('services/sink/dist/server.js', [], {
    ...common,
    CLICKHOUSE_URL: clickhouseUrl,
    CLICKHOUSE_DATABASE: database,
    SINK_PORT: '0',
  });
  const sinkMetrics = `${await waitForLine(sink, /"msg":"sink running","url":"(http:[^"]+)"/, 'sink')}/metrics`;
  const ingest = spawnCompiled('services/ingest/dist/server.js', [], {
    ...common,
    OKENDO_WEBHOOK_SECRETS: secret,
    INGEST_HOST: '127.0.0.1',
    INGEST_PORT: '0',
  });
  const ingestUrl = await waitForLine(ingest, /"url":"(http:[^"]+)"/, 'ingest');
  const url = `${ingestUrl}/webhooks/okendo`;
  const ingestMetrics = `${ingestUrl}/metrics`;
  const ingestRss = rssSampler(ingest.pid ?? 0);
  const sinkRss = rssSampler(sink.pid ?? 0);
  const warehouse = new ClickHouseServerWarehouse({ url: clickhouseUrl });
  const results: FreshnessFigures[] = [];
  const hops: FreshnessHops[] = [];
  try {
    for (const rate of rates) {
      const total = rate * secondsPerRate;
      const deliveries = planDeliveries({
        prefix: `fr${rate}x${stamp}`,
        entities: total,
        maxVersionsPerEntity: 1,
        deleteRatio: 0,
        mix: onlyOf('review'),
        seed: rate,
      });
      const every = Math.max(1, Math.floor(total / 400));
      const ackedAt = new Map<string, number>();
      const latencies: number[] = [];
      let acknowledged = 0;
      let failed = 0;
      let timedOut = 0;
      let sending = true;

      const poller = (async () => {
        while (sending || ackedAt.size > 0) {
          const pending = [...ackedAt.keys()];
          if (pending.length > 0) {
            const rows = await warehouse
              .query<{ review_id: string }>(
                `SELECT review_id FROM ${database}.reviews_current WHERE review_id IN (${pending.map((id) => `'${id}'`).join(',')})`,
              )
              .catch(() => []);
            const now = performance.now();
            for (const { review_id } of rows) {
              const at = ackedAt.get(review_id);
              if (at !== undefined) latencies.push(now - at);
              ackedAt.delete(review_id);
            }
          }
          await sleep(50);
        }
      })();

      const hopsBefore = await scrapeHops(ingestMetrics, sinkMetrics);
      const started = performance.now();
      const inFlight: Promise<void>[] = [];
      for (const [i, delivery] of deliveries.entries()) {
        const due = started + (i * 1_000) / rate;
        const wait = due - performance.now();
        if (wait > 1) await sleep(wait);
        inFlight.push(
          fetch(url, {
            method: 'POST',
            headers: signedHeaders(secret, delivery.body, { id: delivery.messageId }),
            body: delivery.body,
            signal: AbortSignal.timeout(SENDER_TIMEOUT_MS),
          })
            .then(async (response) => {
              await response.arrayBuffer();
              if (response.status !== 200) {
                failed++;
                return;
              }
              acknowledged++;
              if (i % every === 0) ackedAt.set(delivery.entityId, performance.now());
            })
            .catch((error: unknown) => {
              // A request that never got an answer is a failure the sender sees, not something to hide.
              if ((error as Error).name === 'TimeoutError') timedOut++;
              else failed++;
            }),
        );
      }
      await Promise.all(inFlight);
      const elapsed = (performance.now() - started) / 1_000;
      sending = false;
      await Promise.race([poller, sleep(30_000)]);
      const figures: FreshnessFigures = {
        targetRate: rate,
        achievedRate: Math.round(acknowledged / elapsed),
        acknowledged,
        failed,
        timedOut,
        sampled: latencies.length,
        p50Ms: Math.round(percentile(latencies, 50)),
        p99Ms: Math.round(percentile(latencies, 99)),
        maxMs: Math.round(Math.max(...latencies)),
        meanMs: Math.round(latencies.reduce((sum, each) => sum + each, 0) / latencies.length),
      };
      const hopsAfter = await scrapeHops(ingestMetrics, sinkMetrics);
      const [answer, toKafka, toSink, flushWait, stateInsert, eventLogInsert] = hopsAfter.map((after, i) =>
        meanMsBetween(hopsBefore[i] as HistogramTotals, after),
      ) as [number, number, number, number, number, number];
      hops.push({
        targetRate: rate,
        ingestAnswerMs: answer,
        ingestToKafkaMs: toKafka,
        kafkaToSinkMs: toSink,
        flushWaitMs: flushWait,
        stateInsertMs: stateInsert,
        eventLogInsertMs: eventLogInsert,
        stateToVisibleMs:
          Math.round((figures.meanMs + answer - (toKafka + toSink + flushWait + stateInsert)) * 10) / 10,
      });
      console.log(
        `  ${rate}/s: achieved ${figures.achievedRate}/s, failed ${failed}, timed out ${timedOut}, 2xx -> visible p50 ${figures.p50Ms} ms, p99 ${figures.p99Ms} ms`,
      );
      results.push(figures);
    }
    return { rates: results, hops, ingestPeakRssMb: ingestRss.peakMb(), sinkPeakRssMb: sinkRss.peakMb() };
  } finally {
    ingestRss.stop();
    sinkRss.stop();
    await stopChild(ingest);
    await stopChild(sink);
    await warehouse.command(`DROP DATABASE IF EXISTS ${database}`).catch(() => undefined);
    await warehouse.close();
  }
}
