/**
 * Where the health page reads its figures (read once at start-up, a precise message per bad key):
 * CONSOLE_PROMETHEUS_URL when set (PromQL over Prometheus's HTTP API), else CONSOLE_METRICS_URLS, the services'
 * raw /metrics (several instances are summed), by default the ingest's and the sink's local ones.
 */
import { EnvReader } from '@okendo/common';

export interface HealthConfig {
  metricsUrls: string[];
  prometheusUrl: string | undefined;
  /** PromQL range of rate() and quantiles */
  prometheusRange: string;
  /** raw scrapes: rates cover the last this many seconds once warmed up */
  windowSeconds: number;
  /** how often the page reloads itself */
  refreshSeconds: number;
}

const HTTP_URL = /^https?:\/\/[^\s/@]+(\/[^\s]*)?$/;

const base = (url: string): string => url.replace(/\/+$/, '');

export function readHealthConfig(reader: EnvReader): HealthConfig {
  const ingestPort = reader.integer('INGEST_PORT', 8080, { min: 1, max: 65_535 });
  const sinkPort = reader.integer('SINK_PORT', 9100, { min: 1, max: 65_535 });
  const ingestUrl = base(reader.raw('INGEST_URL') ?? `http://127.0.0.1:${ingestPort}`);
  const sinkUrl = base(reader.raw('SINK_URL') ?? `http://127.0.0.1:${sinkPort}`);
  const listed = reader.raw('CONSOLE_METRICS_URLS');
  const metricsUrls =
    listed === undefined
      ? [`${ingestUrl}/metrics`, `${sinkUrl}/metrics`]
      : listed
          .split(',')
          .map((url) => url.trim())
          .filter((url) => url !== '');
  const bad = metricsUrls.filter((url) => !HTTP_URL.test(url));
  if (metricsUrls.length === 0 || bad.length > 0)
    reader.problems.push(
      `CONSOLE_METRICS_URLS: a comma-separated list of http(s) URLs of /metrics, got ${JSON.stringify(listed ?? '')}`,
    );
  const prometheusUrl = reader.raw('CONSOLE_PROMETHEUS_URL');
  if (prometheusUrl !== undefined && !HTTP_URL.test(prometheusUrl))
    reader.problems.push(
      `CONSOLE_PROMETHEUS_URL: an http(s) URL such as http://127.0.0.1:9090, got ${JSON.stringify(prometheusUrl)}`,
    );
  return {
    metricsUrls,
    prometheusUrl: prometheusUrl === undefined ? undefined : base(prometheusUrl),
    prometheusRange: reader.string('CONSOLE_PROMETHEUS_RANGE', '2m', {
      test: /^\d{1,4}[smh]$/,
      hint: 'a PromQL duration such as 2m, 90s or 1h',
    }),
    windowSeconds: reader.integer('CONSOLE_HEALTH_WINDOW_SECONDS', 60, { min: 5, max: 3_600 }),
    refreshSeconds: reader.integer('CONSOLE_HEALTH_REFRESH_SECONDS', 10, { min: 2, max: 3_600 }),
  };
}

/** The config from an environment alone (tests, and a caller without its own EnvReader). */
export function loadHealthConfig(env: NodeJS.ProcessEnv): HealthConfig {
  const reader = new EnvReader(env);
  const config = readHealthConfig(reader);
  reader.finish();
  return config;
}
