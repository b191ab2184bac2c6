/**
 * What the health figures need from a metrics backend, in three questions: how fast a counter grew (per
 * second, grouped by one label), a histogram's quantile over the same window, and a gauge's current values.
 * Two backends answer them: raw /metrics scrapes of the services (scrape-history.ts) and Prometheus's HTTP API
 * (prometheus-source.ts). null means "not known yet" (one scrape only, or Prometheus has no series).
 */

export interface GaugeValue {
  labels: Readonly<Record<string, string>>;
  value: number;
}

export interface FigureSource {
  /** 'metrics' (raw scrapes) or 'prometheus' */
  readonly kind: 'metrics' | 'prometheus';
  /** Per-second growth of counter `name` over the window, summed by the value of label `by` ('' = total). */
  rate(name: string, by?: string): Promise<Map<string, number> | null>;
  /** The `q` quantile (0..1) of histogram `name` (its _bucket series) over the window, in its unit. */
  quantile(name: string, q: number): Promise<number | null>;
  /** Current values of gauge `name`, one per distinct `by` label set (several instances: summed, or max). */
  gauge(name: string, by: readonly string[], combine: 'sum' | 'max'): Promise<GaugeValue[]>;
  /** The window the rates cover, in seconds (null before a second scrape). */
  windowSeconds(): number | null;
  /** Where it reads from and what failed on the last read (for the page's footer and banner). */
  status(): { from: string; problems: string[] };
}
