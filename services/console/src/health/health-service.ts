/**
 * One health report: the metric figures (raw scrapes or Prometheus) and the warehouse counts, read side by
 * side; a part that fails becomes a problem line on the page, never a 500.
 */
import type { WarehouseAccess } from '@okendo/cli';
import type { FigureSource } from './figure-source.js';
import type { HealthConfig } from './health-config.js';
import { type MetricFigures, readMetricFigures } from './health-figures.js';
import { PrometheusSource } from './prometheus-source.js';
import { ScrapeHistory } from './scrape-history.js';
import { readWarehouseCounts, type WarehouseCounts } from './warehouse-counts.js';

export interface HealthReport {
  at: string;
  refreshSeconds: number;
  metrics: MetricFigures;
  warehouse: WarehouseCounts | { error: string };
}

const TIMEOUT_MS = 5_000;

async function fetchText(url: string): Promise<string> {
  const response = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.text();
}

async function fetchJson(url: string): Promise<unknown> {
  const response = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  // Prometheus answers 400/422 with a JSON error body that says why
  return response.json().catch(() => {
    throw new Error(`HTTP ${response.status}`);
  });
}

export class HealthService {
  private readonly source: ScrapeHistory | PrometheusSource;

  constructor(
    private readonly config: HealthConfig,
    private readonly warehouse: () => Promise<WarehouseAccess>,
    private readonly clock: () => number,
  ) {
    this.source =
      config.prometheusUrl === undefined
        ? new ScrapeHistory({
            urls: config.metricsUrls,
            windowMs: config.windowSeconds * 1_000,
            minIntervalMs: 2_000,
            clock,
            fetchText,
          })
        : new PrometheusSource({ baseUrl: config.prometheusUrl, range: config.prometheusRange, fetchJson });
  }

  get figureSource(): FigureSource {
    return this.source;
  }

  async read(): Promise<HealthReport> {
    const now = this.clock();
    if (this.source instanceof ScrapeHistory) await this.source.refresh();
    else this.source.begin();
    const [metrics, warehouse] = await Promise.all([
      readMetricFigures(this.source),
      this.warehouse()
        .then((access) => readWarehouseCounts(access, now))
        .catch((error: unknown) => ({ error: error instanceof Error ? error.message : String(error) })),
    ]);
    return {
      at: new Date(now).toISOString(),
      refreshSeconds: this.config.refreshSeconds,
      metrics,
      warehouse,
    };
  }
}
