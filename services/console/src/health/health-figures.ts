/**
 * The health page's figures from the metrics (a FigureSource: raw scrapes or Prometheus), one shape for both
 * the HTML page and /health.json. Which metric gives which figure is listed in README "### Health page".
 */
import { RESOURCE_TYPES, type ResourceType } from '@okendo/schemas';
import type { FigureSource } from './figure-source.js';

export interface PartitionLag {
  topic: string;
  partition: string;
  messages: number;
  /** null until the sink measured it */
  seconds: number | null;
}

export interface MetricFigures {
  source: 'metrics' | 'prometheus';
  from: string;
  problems: string[];
  /** seconds the rates cover; null before a second scrape */
  windowSeconds: number | null;
  /** signed delivery attempts per minute (verified, or refused by verification with signature headers) */
  deliveriesPerMinute: number | null;
  /** 2xx answers / signed delivery attempts, 0..1 */
  successRate: number | null;
  /** published to Kafka per minute, by resource type (the topic's suffix) */
  publishedPerMinute: Partial<Record<ResourceType, number>> | null;
  /** refusals by verification per minute, by reason */
  verificationFailuresPerMinute: Record<string, number> | null;
  /** webhook answers per minute by HTTP status (all of them; 2xx included) */
  responsesPerMinute: Record<string, number> | null;
  responseSeconds: { p50: number | null; p99: number | null };
  /** 2xx to the insert into ClickHouse (sink_event_age_at_insert_seconds) */
  freshnessSeconds: { p50: number | null; p99: number | null };
  publishQueueDepth: number | null;
  inFlightRequests: number | null;
  lag: PartitionLag[];
  deadLetteredPerMinute: number | null;
  insertRetriesPerMinute: number | null;
}

const perMinute = (map: Map<string, number> | null): Record<string, number> | null =>
  map === null ? null : Object.fromEntries([...map].map(([key, value]) => [key, value * 60]));

const sum = (map: Map<string, number> | null): number | null =>
  map === null ? null : [...map.values()].reduce((a, b) => a + b, 0);

/** The resource type a topic carries: `<prefix><resourceType>`; undefined for unrouted, dead_letter, others. */
export function resourceTypeOfTopic(topic: string): ResourceType | undefined {
  // the longest match wins: no type is a suffix of another today, but the order must not matter
  return [...RESOURCE_TYPES].sort((a, b) => b.length - a.length).find((type) => topic.endsWith(type));
}

export async function readMetricFigures(source: FigureSource): Promise<MetricFigures> {
  const [
    verified,
    failures,
    responses,
    published,
    p50,
    p99,
    fresh50,
    fresh99,
    queue,
    inFlight,
    lagMessages,
    lagSeconds,
    deadLettered,
    retries,
  ] = await Promise.all([
    source.rate('ingest_verifications_total'),
    source.rate('ingest_verification_failures_total', 'reason'),
    source.rate('ingest_responses_total', 'status'),
    source.rate('ingest_publish_duration_seconds_count', 'topic'),
    source.quantile('ingest_response_duration_seconds', 0.5),
    source.quantile('ingest_response_duration_seconds', 0.99),
    source.quantile('sink_event_age_at_insert_seconds', 0.5),
    source.quantile('sink_event_age_at_insert_seconds', 0.99),
    source.gauge('ingest_publish_queue_depth', [], 'sum'),
    source.gauge('ingest_in_flight_requests', [], 'sum'),
    source.gauge('sink_consumer_lag_messages', ['topic', 'partition'], 'max'),
    source.gauge('sink_consumer_lag_seconds', ['topic', 'partition'], 'max'),
    source.rate('sink_dead_lettered_total'),
    source.rate('sink_insert_retries_total'),
  ]);
  // A request without signature headers was never a delivery attempt of a signed webhook.
  const signedFailures =
    failures === null
      ? null
      : [...failures].filter(([reason]) => reason !== 'missing_headers').reduce((a, [, n]) => a + n, 0);
  const verifiedRate = sum(verified);
  const signed = verifiedRate === null || signedFailures === null ? null : verifiedRate + signedFailures;
  const ok =
    responses === null
      ? null
      : [...responses].filter(([status]) => /^2/.test(status)).reduce((a, [, n]) => a + n, 0);
  let publishedPerMinute: MetricFigures['publishedPerMinute'] = null;
  if (published !== null) {
    publishedPerMinute = {};
    for (const [topic, rate] of published) {
      const type = resourceTypeOfTopic(topic);
      if (type !== undefined) publishedPerMinute[type] = (publishedPerMinute[type] ?? 0) + rate * 60;
    }
  }
  const seconds = new Map(lagSeconds.map((g) => [`${g.labels['topic']}/${g.labels['partition']}`, g.value]));
  const status = source.status();
  return {
    source: source.kind,
    from: status.from,
    problems: status.problems,
    windowSeconds: source.windowSeconds(),
    deliveriesPerMinute: signed === null ? null : signed * 60,
    successRate: signed === null || ok === null || signed === 0 ? null : Math.min(1, ok / signed),
    publishedPerMinute,
    verificationFailuresPerMinute: perMinute(failures),
    responsesPerMinute: perMinute(responses),
    responseSeconds: { p50, p99 },
    freshnessSeconds: { p50: fresh50, p99: fresh99 },
    publishQueueDepth: queue[0]?.value ?? null,
    inFlightRequests: inFlight[0]?.value ?? null,
    lag: lagMessages
      .map((g) => ({
        topic: g.labels['topic'] ?? '',
        partition: g.labels['partition'] ?? '',
        messages: g.value,
        seconds: seconds.get(`${g.labels['topic']}/${g.labels['partition']}`) ?? null,
      }))
      .sort((a, b) => a.topic.localeCompare(b.topic) || Number(a.partition) - Number(b.partition)),
    deadLetteredPerMinute: sum(deadLettered) === null ? null : (sum(deadLettered) ?? 0) * 60,
    insertRetriesPerMinute: sum(retries) === null ? null : (sum(retries) ?? 0) * 60,
  };
}
