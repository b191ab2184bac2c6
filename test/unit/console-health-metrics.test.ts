/**
 * The health page's metrics reading, with no server: the Prometheus text format as prom-client writes it
 * (escapes, +Inf, histograms), several instances merged, rates and quantiles from two scrapes (counter resets,
 * an instance down), and Prometheus API answers.
 */
import { describe, expect, it } from 'vitest';
import { readMetricFigures } from '../../services/console/src/health/health-figures.js';
import { PrometheusSource, parseVectorAnswer } from '../../services/console/src/health/prometheus-source.js';
import { parsePrometheusText } from '../../services/console/src/health/prometheus-text.js';
import {
  gaugeOf,
  quantileOfBuckets,
  ratesBetween,
  ScrapeHistory,
  snapshotOf,
} from '../../services/console/src/health/scrape-history.js';

describe('parsePrometheusText', () => {
  it('reads names, escaped labels, special values and skips comments and timestamps', () => {
    const text = [
      '# HELP ingest_requests_total Webhook requests by outcome',
      '# TYPE ingest_requests_total counter',
      'ingest_requests_total{outcome="published"} 12',
      'ingest_verification_failures_total{reason="no_valid_signature",x="a \\"b\\" \\\\ c\\nd"} 3 1733100000000',
      'ingest_publish_queue_depth 0',
      'h_bucket{le="+Inf"} 5',
      'g NaN',
      'g2 -1.5e3',
      '',
    ].join('\n');
    const { samples, badLines } = parsePrometheusText(text);
    expect(badLines).toBe(0);
    expect(samples[0]).toEqual({
      name: 'ingest_requests_total',
      labels: { outcome: 'published' },
      value: 12,
    });
    expect(samples[1]?.labels).toEqual({ reason: 'no_valid_signature', x: 'a "b" \\ c\nd' });
    expect(samples[1]?.value).toBe(3);
    expect(samples[2]).toEqual({ name: 'ingest_publish_queue_depth', labels: {}, value: 0 });
    expect(samples[3]?.labels['le']).toBe('+Inf');
    expect(samples[4]?.value).toBeNaN();
    expect(samples[5]?.value).toBe(-1500);
  });

  it('counts lines it cannot read instead of throwing', () => {
    const { samples, badLines } = parsePrometheusText('ok 1\n{oops} 2\nbad{a="1" 3\nnovalue\nx{a="1"} abc\n');
    expect(samples.map((s) => s.name)).toEqual(['ok']);
    expect(badLines).toBe(4);
  });
});

/** One snapshot of instances `i0`, `i1`, ... from their /metrics texts. */
const snap = (atMs: number, ...texts: string[]) =>
  snapshotOf(atMs, new Map(texts.map((text, i) => [`i${i}`, parsePrometheusText(text).samples])));

describe('rates from two scrapes', () => {
  it('is the growth per second, by label, summed across instances; a counter that went down restarted', () => {
    const before = snap(
      0,
      'c{outcome="published"} 10\nc{outcome="rejected"} 4',
      'c{outcome="published"} 100',
    );
    // 30 s later: instance 1 +30 published, +0 rejected; instance 2 restarted (100 -> 6)
    const after = snap(
      30_000,
      'c{outcome="published"} 40\nc{outcome="rejected"} 4',
      'c{outcome="published"} 6',
    );
    expect(Object.fromEntries(ratesBetween(before, after, 'c', 'outcome'))).toEqual({
      published: (30 + 6) / 30,
      rejected: 0,
    });
    expect(ratesBetween(before, after, 'c').get('')).toBeCloseTo(36 / 30);
  });

  it('an instance missing from either scrape adds nothing (down, or just started)', () => {
    const before = snap(0, 'c 10', 'c 500');
    const after = snap(10_000, 'c 20');
    expect(ratesBetween(before, after, 'c').get('')).toBe(1);
    expect(ratesBetween(after, snap(20_000, 'c 30', 'c 900'), 'c').get('')).toBe(1);
  });

  it('gauges across instances: the max for lag (each sink measures the whole group), or the sum', () => {
    const merged = snap(
      0,
      'sink_consumer_lag_messages{topic="t",partition="0"} 7\nq 2',
      'sink_consumer_lag_messages{topic="t",partition="0"} 9\nq 3',
    );
    expect(gaugeOf(merged, 'sink_consumer_lag_messages', ['topic', 'partition'], 'max')).toEqual([
      { labels: { topic: 't', partition: '0' }, value: 9 },
    ]);
    expect(gaugeOf(merged, 'q', [], 'sum')).toEqual([{ labels: {}, value: 5 }]);
  });

  it('quantiles interpolate inside the bucket like histogram_quantile()', () => {
    const buckets = [
      { le: 0.1, count: 50 },
      { le: 0.5, count: 90 },
      { le: 1, count: 100 },
      { le: Number.POSITIVE_INFINITY, count: 100 },
    ];
    expect(quantileOfBuckets(buckets, 0.5)).toBeCloseTo(0.1);
    expect(quantileOfBuckets(buckets, 0.25)).toBeCloseTo(0.05);
    expect(quantileOfBuckets(buckets, 0.7)).toBeCloseTo(0.3);
    expect(quantileOfBuckets(buckets, 0.99)).toBeCloseTo(0.95);
    expect(quantileOfBuckets([{ le: Number.POSITIVE_INFINITY, count: 0 }], 0.5)).toBeNull();
    // beyond the last finite bucket: its bound, as Prometheus answers
    expect(
      quantileOfBuckets(
        [
          { le: 1, count: 1 },
          { le: Number.POSITIVE_INFINITY, count: 10 },
        ],
        0.99,
      ),
    ).toBe(1);
  });
});

/** The services' /metrics as tests feed them to a ScrapeHistory: one text per URL, changed between scrapes. */
function fakeServices(now: { ms: number }, texts: Record<string, string | Error>) {
  const history = new ScrapeHistory({
    urls: Object.keys(texts),
    windowMs: 60_000,
    minIntervalMs: 1_000,
    clock: () => now.ms,
    fetchText: async (url) => {
      const text = texts[url];
      if (text instanceof Error) throw text;
      return text ?? '';
    },
  });
  return history;
}

const ingestText = (n: { ok: number; bad: number; missing: number; fast: number; slow: number }) =>
  [
    `ingest_verifications_total{source="default",secret="#1"} ${n.ok}`,
    `ingest_verification_failures_total{reason="no_valid_signature"} ${n.bad}`,
    `ingest_verification_failures_total{reason="missing_headers"} ${n.missing}`,
    `ingest_responses_total{status="200"} ${n.ok}`,
    `ingest_responses_total{status="401"} ${n.bad + n.missing}`,
    `ingest_response_duration_seconds_bucket{le="0.01"} ${n.fast}`,
    `ingest_response_duration_seconds_bucket{le="0.1"} ${n.fast + n.slow}`,
    `ingest_response_duration_seconds_bucket{le="+Inf"} ${n.fast + n.slow}`,
    `ingest_publish_duration_seconds_count{topic="okendo.review"} ${n.ok}`,
    `ingest_publish_duration_seconds_count{topic="okendo.unrouted"} 1`,
    'ingest_publish_queue_depth 3',
  ].join('\n');

const sinkText = (lag: number) =>
  [
    `sink_consumer_lag_messages{topic="okendo.review",partition="1"} ${lag}`,
    'sink_consumer_lag_messages{topic="okendo.review",partition="0"} 0',
    'sink_consumer_lag_seconds{topic="okendo.review",partition="1"} 4.5',
    'sink_dead_lettered_total 2',
  ].join('\n');

describe('ScrapeHistory and the figures', () => {
  it('has no rates after one scrape, then figures over the window between the oldest and newest scrape', async () => {
    const now = { ms: 1_000_000 };
    const texts: Record<string, string | Error> = {
      'http://ingest/metrics': ingestText({ ok: 10, bad: 0, missing: 5, fast: 10, slow: 0 }),
      'http://sink/metrics': sinkText(0),
    };
    const history = fakeServices(now, texts);
    await history.refresh();
    const first = await readMetricFigures(history);
    expect(first.deliveriesPerMinute).toBeNull();
    expect(first.successRate).toBeNull();
    expect(first.publishQueueDepth).toBe(3);

    now.ms += 30_000;
    // 30 s: 27 verified (200), 3 bad signatures (401), 10 without headers (401, not deliveries)
    texts['http://ingest/metrics'] = ingestText({ ok: 37, bad: 3, missing: 15, fast: 30, slow: 20 });
    texts['http://sink/metrics'] = sinkText(12);
    await history.refresh();
    const figures = await readMetricFigures(history);
    expect(figures.windowSeconds).toBe(30);
    expect(figures.deliveriesPerMinute).toBeCloseTo(60);
    expect(figures.successRate).toBeCloseTo(0.9);
    expect(figures.verificationFailuresPerMinute).toEqual({ no_valid_signature: 6, missing_headers: 20 });
    expect(figures.responsesPerMinute).toEqual({ '200': 54, '401': 26 });
    expect(figures.publishedPerMinute).toEqual({ review: 54 });
    // 40 responses, 20 under 10 ms: p50 at the first bucket's bound, p99 near 100 ms
    expect(figures.responseSeconds.p50).toBeCloseTo(0.01);
    expect(figures.responseSeconds.p99).toBeCloseTo(0.0955);
    expect(figures.lag).toEqual([
      { topic: 'okendo.review', partition: '0', messages: 0, seconds: null },
      { topic: 'okendo.review', partition: '1', messages: 12, seconds: 4.5 },
    ]);
    expect(figures.deadLetteredPerMinute).toBe(0);
    expect(figures.problems).toEqual([]);
  });

  it('a read soon after a scrape reuses it; an instance down is a problem on the page', async () => {
    const now = { ms: 0 };
    let calls = 0;
    const history = new ScrapeHistory({
      urls: ['http://a/metrics'],
      windowMs: 60_000,
      minIntervalMs: 5_000,
      clock: () => now.ms,
      fetchText: async () => {
        calls++;
        if (calls === 3) throw new Error('ECONNREFUSED');
        return `c ${calls * 10}`;
      },
    });
    await Promise.all([history.refresh(), history.refresh()]);
    now.ms = 1_000;
    await history.refresh();
    expect(calls).toBe(1);
    now.ms = 10_000;
    await history.refresh();
    expect((await history.rate('c'))?.get('')).toBeCloseTo(1);
    now.ms = 20_000;
    await history.refresh();
    expect(history.status().problems).toEqual(['http://a/metrics did not answer (ECONNREFUSED)']);
    expect((await history.rate('c'))?.get('')).toBeUndefined();
    now.ms = 30_000;
    await history.refresh();
    expect(history.status().problems).toEqual([]);
    expect(history.windowSeconds()).toBe(30);
    expect((await history.rate('c'))?.get('')).toBeCloseTo(1);
  });

  it('drops scrapes older than the window but keeps one at its edge', async () => {
    const now = { ms: 0 };
    const history = fakeServices(now, { 'http://a/metrics': 'c 0' });
    for (let i = 0; i <= 10; i++) {
      now.ms = i * 20_000;
      await history.refresh();
    }
    expect(history.windowSeconds()).toBe(60);
  });
});

describe('PrometheusSource', () => {
  it('asks PromQL of the window and reads vector answers', async () => {
    const asked: string[] = [];
    const answers: Record<string, unknown> = {
      'sum by (reason) (rate(ingest_verification_failures_total[2m]))': [
        { metric: { reason: 'no_valid_signature' }, value: [1, '0.5'] },
      ],
      'histogram_quantile(0.99, sum by (le) (rate(ingest_response_duration_seconds_bucket[2m])))': [
        { metric: {}, value: [1, '0.25'] },
      ],
      'max by (topic,partition) (sink_consumer_lag_messages)': [
        { metric: { topic: 'okendo.review', partition: '3' }, value: [1, '42'] },
      ],
    };
    const source = new PrometheusSource({
      baseUrl: 'http://prom:9090/',
      range: '2m',
      fetchJson: async (url) => {
        const query = new URL(url).searchParams.get('query') ?? '';
        asked.push(query);
        expect(url.startsWith('http://prom:9090/api/v1/query?query=')).toBe(true);
        return { status: 'success', data: { resultType: 'vector', result: answers[query] ?? [] } };
      },
    });
    const figures = await readMetricFigures(source);
    expect(figures.source).toBe('prometheus');
    expect(figures.windowSeconds).toBe(120);
    expect(figures.verificationFailuresPerMinute).toEqual({ no_valid_signature: 30 });
    expect(figures.responseSeconds.p99).toBe(0.25);
    expect(figures.responseSeconds.p50).toBeNull();
    expect(figures.lag).toEqual([{ topic: 'okendo.review', partition: '3', messages: 42, seconds: null }]);
    expect(asked).toContain('sum by () (rate(ingest_verifications_total[2m]))');
  });

  it('an error answer becomes a problem on the page, not a throw', async () => {
    expect(() => parseVectorAnswer({ status: 'error', error: 'parse error at char 3' })).toThrow(
      'Prometheus refused the query: parse error at char 3',
    );
    const source = new PrometheusSource({
      baseUrl: 'http://prom:9090',
      range: '2m',
      fetchJson: async () => {
        throw new Error('connect ECONNREFUSED');
      },
    });
    const figures = await readMetricFigures(source);
    expect(figures.deliveriesPerMinute).toBeNull();
    expect(figures.problems).toEqual(['connect ECONNREFUSED']);
  });
});
