/**
 * Rates from raw /metrics: the services' counters only ever grow, so a rate needs two scrapes. Each read
 * scrapes every CONSOLE_METRICS_URLS instance (at most once per minimum interval) and keeps the snapshots of
 * the last window in memory, per instance. A rate is the growth from the oldest to the newest snapshot divided
 * by the seconds between them, computed per instance and then summed: a counter that went down restarted, and
 * its new value is the growth since (what Prometheus's rate() assumes), which only shows per instance. An
 * instance missing from either snapshot (down, or new) adds nothing to a rate. Gauges are combined at read
 * time: summed (queue depth) or the max (the sink's lag, which every sink of a group measures for all
 * partitions alike).
 */
import type { FigureSource, GaugeValue } from './figure-source.js';
import { parsePrometheusText, type Sample, seriesKey } from './prometheus-text.js';

export interface Snapshot {
  atMs: number;
  /** instance (URL) -> seriesKey -> sample */
  instances: Map<string, Map<string, Sample>>;
}

export interface ScrapeHistoryOptions {
  urls: readonly string[];
  /** rates cover at most this much history */
  windowMs: number;
  /** a read within this long of the last scrape reuses it */
  minIntervalMs: number;
  clock: () => number;
  fetchText: (url: string) => Promise<string>;
}

export function snapshotOf(atMs: number, scrapes: ReadonlyMap<string, readonly Sample[]>): Snapshot {
  const instances = new Map<string, Map<string, Sample>>();
  for (const [instance, samples] of scrapes)
    instances.set(
      instance,
      new Map(samples.map((sample) => [seriesKey(sample.name, sample.labels), sample])),
    );
  return { atMs, instances };
}

/** Counter growth from `before` to `after`, per series of each instance seen in both. */
function growth(before: Snapshot, after: Snapshot, name: string): Sample[] {
  const out: Sample[] = [];
  for (const [instance, series] of after.instances) {
    const old = before.instances.get(instance);
    if (old === undefined) continue;
    for (const [key, sample] of series) {
      if (sample.name !== name) continue;
      // a labelled series appears at its first increment: absent before means 0 then
      const was = old.get(key)?.value ?? 0;
      out.push({ ...sample, value: sample.value >= was ? sample.value - was : sample.value });
    }
  }
  return out;
}

/** Sum of growths per second by the value of label `by` ('' sums everything under ''). */
export function ratesBetween(before: Snapshot, after: Snapshot, name: string, by = ''): Map<string, number> {
  const seconds = (after.atMs - before.atMs) / 1_000;
  const out = new Map<string, number>();
  if (seconds <= 0) return out;
  for (const sample of growth(before, after, name)) {
    const group = by === '' ? '' : (sample.labels[by] ?? '');
    out.set(group, (out.get(group) ?? 0) + sample.value / seconds);
  }
  return out;
}

/** Gauge values of the newest snapshot, one per `by` label set, combined across series and instances. */
export function gaugeOf(
  snapshot: Snapshot,
  name: string,
  by: readonly string[],
  combine: 'sum' | 'max',
): GaugeValue[] {
  const out = new Map<string, GaugeValue>();
  for (const series of snapshot.instances.values())
    for (const sample of series.values()) {
      if (sample.name !== name) continue;
      const labels = Object.fromEntries(by.map((key) => [key, sample.labels[key] ?? '']));
      const key = seriesKey(name, labels);
      const seen = out.get(key);
      if (seen === undefined) out.set(key, { labels, value: sample.value });
      else seen.value = combine === 'sum' ? seen.value + sample.value : Math.max(seen.value, sample.value);
    }
  return [...out.values()];
}

/**
 * The quantile of the observations between two snapshots, from the cumulative `_bucket{le}` growths,
 * interpolating linearly inside the bucket as Prometheus's histogram_quantile() does. null with no observation.
 */
export function quantileBetween(before: Snapshot, after: Snapshot, name: string, q: number): number | null {
  const byLe = new Map<number, number>();
  for (const sample of growth(before, after, `${name}_bucket`)) {
    const le = Number(sample.labels['le'] === '+Inf' ? Number.POSITIVE_INFINITY : sample.labels['le']);
    if (Number.isNaN(le)) continue;
    byLe.set(le, (byLe.get(le) ?? 0) + sample.value);
  }
  return quantileOfBuckets(
    [...byLe].map(([le, count]) => ({ le, count })),
    q,
  );
}

/** Prometheus's histogram_quantile over cumulative buckets. */
export function quantileOfBuckets(buckets: Array<{ le: number; count: number }>, q: number): number | null {
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const total = sorted.at(-1)?.count ?? 0;
  if (total <= 0 || sorted.at(-1)?.le !== Number.POSITIVE_INFINITY) return null;
  const rank = q * total;
  let lowerLe = 0;
  let lowerCount = 0;
  for (const { le, count } of sorted) {
    if (count >= rank) {
      // the +Inf bucket has no upper bound: answer the highest finite one, as Prometheus does
      if (le === Number.POSITIVE_INFINITY) return lowerLe;
      if (count === lowerCount) return le;
      return lowerLe + ((le - lowerLe) * (rank - lowerCount)) / (count - lowerCount);
    }
    lowerLe = le;
    lowerCount = count;
  }
  return lowerLe;
}

export class ScrapeHistory implements FigureSource {
  readonly kind = 'metrics' as const;
  private snapshots: Snapshot[] = [];
  private problems: string[] = [];
  private inFlight: Promise<void> | undefined;

  constructor(private readonly options: ScrapeHistoryOptions) {}

  /** Scrapes now unless the last scrape is recent; concurrent reads share one scrape. */
  refresh(): Promise<void> {
    const last = this.snapshots.at(-1);
    if (last !== undefined && this.options.clock() - last.atMs < this.options.minIntervalMs)
      return Promise.resolve();
    this.inFlight ??= this.scrape().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async scrape(): Promise<void> {
    const atMs = this.options.clock();
    const problems: string[] = [];
    const scrapes = new Map<string, Sample[]>();
    await Promise.all(
      this.options.urls.map(async (url) => {
        try {
          const parsed = parsePrometheusText(await this.options.fetchText(url));
          if (parsed.badLines > 0) problems.push(`${url}: ${parsed.badLines} line(s) not understood`);
          scrapes.set(url, parsed.samples);
        } catch (error) {
          problems.push(`${url} did not answer (${error instanceof Error ? error.message : String(error)})`);
        }
      }),
    );
    this.problems = problems.sort();
    this.snapshots.push(snapshotOf(atMs, scrapes));
    // keep the newest snapshot older than the window too, so the window is full once warmed up
    while ((this.snapshots[1]?.atMs ?? atMs) <= atMs - this.options.windowMs) this.snapshots.shift();
  }

  private pair(): { before: Snapshot; after: Snapshot } | null {
    const before = this.snapshots[0];
    const after = this.snapshots.at(-1);
    if (before === undefined || after === undefined || before === after) return null;
    return { before, after };
  }

  windowSeconds(): number | null {
    const pair = this.pair();
    return pair === null ? null : (pair.after.atMs - pair.before.atMs) / 1_000;
  }

  async rate(name: string, by = ''): Promise<Map<string, number> | null> {
    const pair = this.pair();
    return pair === null ? null : ratesBetween(pair.before, pair.after, name, by);
  }

  async quantile(name: string, q: number): Promise<number | null> {
    const pair = this.pair();
    return pair === null ? null : quantileBetween(pair.before, pair.after, name, q);
  }

  async gauge(name: string, by: readonly string[], combine: 'sum' | 'max'): Promise<GaugeValue[]> {
    const newest = this.snapshots.at(-1);
    return newest === undefined ? [] : gaugeOf(newest, name, by, combine);
  }

  status(): { from: string; problems: string[] } {
    return { from: `/metrics of ${this.options.urls.join(', ')}`, problems: [...this.problems] };
  }
}
