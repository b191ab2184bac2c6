/**
 * The health page without servers: its config (defaults from INGEST_URL / SINK_URL, a precise message per bad
 * key), the figures' formatting, and the body rendered from a report (values escaped, "-" for what is not
 * known yet, the buttons as CSRF-carrying POST forms).
 */
import { ConfigError } from '@okendo/common';
import { describe, expect, it } from 'vitest';
import { loadHealthConfig } from '../../services/console/src/health/health-config.js';
import type { MetricFigures } from '../../services/console/src/health/health-figures.js';
import type { HealthReport } from '../../services/console/src/health/health-service.js';
import { formatAge, formatSeconds, renderHealthBody } from '../../services/console/src/health/health-view.js';

describe('health config', () => {
  it('defaults to the ingest and sink /metrics, from INGEST_URL / SINK_URL or their ports', () => {
    expect(loadHealthConfig({}).metricsUrls).toEqual([
      'http://127.0.0.1:8080/metrics',
      'http://127.0.0.1:9100/metrics',
    ]);
    const config = loadHealthConfig({ INGEST_URL: 'http://ingest:1/', SINK_PORT: '9999' });
    expect(config.metricsUrls).toEqual(['http://ingest:1/metrics', 'http://127.0.0.1:9999/metrics']);
    expect(config.prometheusUrl).toBeUndefined();
    expect(
      loadHealthConfig({ CONSOLE_METRICS_URLS: ' http://a:1/metrics , http://b:2/metrics ' }).metricsUrls,
    ).toEqual(['http://a:1/metrics', 'http://b:2/metrics']);
    expect(loadHealthConfig({ CONSOLE_PROMETHEUS_URL: 'http://prom:9090/' }).prometheusUrl).toBe(
      'http://prom:9090',
    );
  });

  it('names every bad key', () => {
    let error: unknown;
    try {
      loadHealthConfig({
        CONSOLE_METRICS_URLS: 'http://a:1/metrics,ftp://b',
        CONSOLE_PROMETHEUS_URL: 'prom:9090',
        CONSOLE_PROMETHEUS_RANGE: '2 minutes',
        CONSOLE_HEALTH_REFRESH_SECONDS: '0',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'CONSOLE_METRICS_URLS: a comma-separated list of http(s) URLs of /metrics, got "http://a:1/metrics,ftp://b"',
      'CONSOLE_PROMETHEUS_URL: an http(s) URL such as http://127.0.0.1:9090, got "prom:9090"',
      'CONSOLE_PROMETHEUS_RANGE: a PromQL duration such as 2m, 90s or 1h, got "2 minutes"',
      'CONSOLE_HEALTH_REFRESH_SECONDS: expected a whole number from 2 to 3600, got "0"',
    ]);
  });
});

const NOW = Date.parse('2026-12-02T03:00:00Z');

function metrics(overrides: Partial<MetricFigures> = {}): MetricFigures {
  return {
    source: 'metrics',
    from: '/metrics of http://ingest/metrics',
    problems: [],
    windowSeconds: 60,
    deliveriesPerMinute: 1234.5,
    successRate: 0.987,
    publishedPerMinute: { review: 30 },
    verificationFailuresPerMinute: { no_valid_signature: 2 },
    responsesPerMinute: { '200': 30, '401': 2 },
    responseSeconds: { p50: 0.004, p99: 0.2 },
    freshnessSeconds: { p50: 0.6, p99: 2.5 },
    publishQueueDepth: 0,
    inFlightRequests: 1,
    lag: [{ topic: 'okendo.review', partition: '2', messages: 7, seconds: 1.5 }],
    deadLetteredPerMinute: 0,
    insertRetriesPerMinute: 0,
    ...overrides,
  };
}

const report = (m: MetricFigures, warehouse: HealthReport['warehouse']): HealthReport => ({
  at: new Date(NOW).toISOString(),
  refreshSeconds: 10,
  metrics: m,
  warehouse,
});

describe('health body', () => {
  it('formats figures and ages', () => {
    expect(formatSeconds(0.0042)).toBe('4 ms');
    expect(formatSeconds(2.5)).toBe('2.50 s');
    expect(formatSeconds(null)).toBe('-');
    expect(formatAge(null, NOW)).toBe('never');
    expect(formatAge('2026-12-02T02:59:30Z', NOW)).toBe('30 s ago');
    expect(formatAge('2026-12-02T02:30:00Z', NOW)).toBe('30 min ago');
    expect(formatAge('2026-12-02T01:00:00Z', NOW)).toBe('2 h ago');
    expect(formatAge('2026-11-29T03:00:00Z', NOW)).toBe('3 d ago');
  });

  it('renders the figures, the per-type rows, the parked messages with CSRF forms, and escapes values', () => {
    const html = renderHealthBody(
      report(metrics(), {
        via: 'ClickHouse at http://ch:8123',
        deadLettersOpen: 2,
        deadLetterReasons: [{ reason: 'Code: 25 <b>bad</b>', count: 2, latest: '2026-12-02T02:58:00.000Z' }],
        unrouted: 1,
        unroutedReasons: [{ reason: 'unknown_resource_type', count: 1, latest: '2026-12-02T02:59:00.000Z' }],
        resourceTypes: [
          {
            resourceType: 'review',
            lastEventAt: '2026-12-02T02:59:50.000Z',
            storedPerMinute: 28,
            freshnessSeconds: { p50: 1, p99: 2 },
          },
        ],
      }),
      'tok"en',
      NOW,
    );
    expect(html).toContain('data-testid="deliveries-per-minute">1,234.5<');
    expect(html).toContain('data-testid="success-rate">98.7%<');
    expect(html).toContain('data-testid="last-event-review">10 s ago<');
    expect(html).toContain('data-testid="last-event-quiz_response">-<');
    expect(html).toContain('data-testid="dead-letters-open">2<');
    expect(html).toContain('Code: 25 &lt;b&gt;bad&lt;/b&gt;');
    expect(html).not.toContain('<b>bad</b>');
    expect(
      html.match(/<form class="inline" method="post" action="\/health\/(redrive|replay)">/g),
    ).toHaveLength(3);
    expect(html).toContain('name="_csrf" value="tok&quot;en"');
    expect(html).toContain('<input type="hidden" name="from" value="unrouted">');
  });

  it('before a second scrape and with the warehouse down: dashes, the reason, and no buttons', () => {
    const html = renderHealthBody(
      report(
        metrics({
          windowSeconds: null,
          deliveriesPerMinute: null,
          successRate: null,
          verificationFailuresPerMinute: null,
          problems: ['http://sink/metrics did not answer (ECONNREFUSED)'],
        }),
        { error: 'cannot open the warehouse: ECONNREFUSED' },
      ),
      't',
      NOW,
    );
    expect(html).toContain('data-testid="deliveries-per-minute">-<');
    expect(html).toContain('rates need a second scrape');
    expect(html).toContain('needs a second scrape');
    expect(html).toContain(
      'data-testid="metrics-problem">http://sink/metrics did not answer (ECONNREFUSED)<',
    );
    expect(html).toContain('The warehouse did not answer: cannot open the warehouse: ECONNREFUSED');
    expect(html).not.toContain('/health/redrive');
  });
});
