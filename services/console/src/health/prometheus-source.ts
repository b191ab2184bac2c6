/**
 * The health figures from Prometheus's HTTP API (CONSOLE_PROMETHEUS_URL): instant queries
 * (GET /api/v1/query) with PromQL, so rates and quantiles cover Prometheus's own history (`[range]`, at least
 * two scrape intervals) and every instance it scrapes, whatever the console's uptime.
 */
import type { FigureSource, GaugeValue } from './figure-source.js';

export interface PrometheusSourceOptions {
  baseUrl: string;
  /** PromQL range of rate() and histogram quantiles, e.g. "2m" */
  range: string;
  fetchJson: (url: string) => Promise<unknown>;
}

interface VectorResult {
  metric: Record<string, string>;
  value: [number, string];
}

/** The result of an instant vector query, or an Error with Prometheus's own message. */
export function parseVectorAnswer(answer: unknown): VectorResult[] {
  const body = answer as {
    status?: string;
    error?: string;
    data?: { resultType?: string; result?: unknown };
  };
  if (body?.status !== 'success')
    throw new Error(`Prometheus refused the query: ${body?.error ?? 'no answer'}`);
  if (body.data?.resultType !== 'vector' || !Array.isArray(body.data.result))
    throw new Error(`Prometheus answered a ${body.data?.resultType ?? 'missing'} result, not a vector`);
  return body.data.result as VectorResult[];
}

const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const METRIC = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

function checked(name: string, labels: readonly string[]): void {
  // names come from this package, never from a request; still, nothing else may reach PromQL
  if (!METRIC.test(name) || labels.some((label) => label !== '' && !LABEL.test(label)))
    throw new Error(`not a metric or label name: ${name} ${labels.join(',')}`);
}

export class PrometheusSource implements FigureSource {
  readonly kind = 'prometheus' as const;
  private problems: string[] = [];

  constructor(private readonly options: PrometheusSourceOptions) {}

  /** Starts a new page's read: forgets the problems of the last one. */
  begin(): void {
    this.problems = [];
  }

  async query(promql: string): Promise<VectorResult[] | null> {
    const url = `${this.options.baseUrl.replace(/\/+$/, '')}/api/v1/query?query=${encodeURIComponent(promql)}`;
    try {
      return parseVectorAnswer(await this.options.fetchJson(url));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (!this.problems.includes(message)) this.problems.push(message);
      return null;
    }
  }

  async rate(name: string, by = ''): Promise<Map<string, number> | null> {
    checked(name, [by]);
    const result = await this.query(`sum by (${by}) (rate(${name}[${this.options.range}]))`);
    if (result === null) return null;
    return new Map(result.map((r) => [by === '' ? '' : (r.metric[by] ?? ''), Number(r.value[1])]));
  }

  async quantile(name: string, q: number): Promise<number | null> {
    checked(name, []);
    const result = await this.query(
      `histogram_quantile(${q}, sum by (le) (rate(${name}_bucket[${this.options.range}])))`,
    );
    const value = result?.[0] === undefined ? Number.NaN : Number(result[0].value[1]);
    return Number.isFinite(value) ? value : null;
  }

  async gauge(name: string, by: readonly string[], combine: 'sum' | 'max'): Promise<GaugeValue[]> {
    checked(name, by);
    const result = await this.query(`${combine} by (${by.join(',')}) (${name})`);
    return (result ?? []).map((r) => ({
      labels: Object.fromEntries(by.map((key) => [key, r.metric[key] ?? ''])),
      value: Number(r.value[1]),
    }));
  }

  windowSeconds(): number | null {
    const match = /^(\d+)([smh])$/.exec(this.options.range);
    if (match === null) return null;
    return Number(match[1]) * ({ s: 1, m: 60, h: 3_600 } as const)[match[2] as 's' | 'm' | 'h'];
  }

  status(): { from: string; problems: string[] } {
    return { from: `Prometheus at ${this.options.baseUrl}`, problems: [...this.problems] };
  }
}
