/**
 * Prometheus in integration tests: the global setup only checks that the binary runs (each test starts its own
 * Prometheus, since its targets are the ports of that test's ingest and sink), and a small client of the HTTP
 * API that turns every error answer (invalid PromQL included) into a thrown error.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { prometheusBinary, prometheusVersion } from '@okendo/infra/local';
import { repoRoot } from '../vitest.shared.js';

export async function providePrometheus(): Promise<
  { ok: true; version: string } | { ok: false; reasons: string[] }
> {
  try {
    return { ok: true, version: await prometheusVersion(await prometheusBinary()) };
  } catch (error) {
    return { ok: false, reasons: [`native (prometheus): ${(error as Error).message}`] };
  }
}

export function shippedRules(): Promise<string> {
  return readFile(join(repoRoot, 'infra', 'prometheus', 'alerts.yml'), 'utf8');
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600 };

function scaled(amount: string, unit: string, divisor: number): string {
  const seconds = Number(amount) * (UNIT_SECONDS[unit] ?? Number.NaN);
  if (!Number.isFinite(seconds)) throw new Error(`unsupported duration ${amount}${unit}`);
  return `${Math.max(1, Math.round(seconds / divisor))}s`;
}

/**
 * The shipped rules with every range selector (`[10m]`) and `for:` divided by `divisor`: the same expressions
 * and thresholds, on a clock a test can wait for. Only s/m/h durations are used in alerts.yml.
 */
export function scaleRuleDurations(rules: string, divisor: number): string {
  return rules
    .replace(/\[(\d+)([smh])\]/g, (_, amount: string, unit: string) => `[${scaled(amount, unit, divisor)}]`)
    .replace(/^(\s+for: )(\d+)([smh])$/gm, (_, lead: string, amount: string, unit: string) => {
      return `${lead}${scaled(amount, unit, divisor)}`;
    });
}

export interface PromSeries {
  metric: Record<string, string>;
  value?: [number, string];
  values?: Array<[number, string]>;
}

export interface PromAlert {
  labels: Record<string, string>;
  state: 'pending' | 'firing' | 'inactive';
  activeAt?: string;
  value?: string;
}

async function api<T>(url: string): Promise<T> {
  const response = await fetch(url);
  const body = (await response.json()) as { status: string; data?: T; errorType?: string; error?: string };
  if (!response.ok || body.status !== 'success' || body.data === undefined)
    throw new Error(`Prometheus ${response.status} ${body.errorType ?? ''}: ${body.error ?? 'no data'}`);
  return body.data;
}

export class PrometheusClient {
  constructor(readonly url: string) {}

  /** An instant query; throws with Prometheus' parse or execution error. */
  async query(promql: string): Promise<PromSeries[]> {
    const data = await api<{ resultType: string; result: PromSeries[] | [number, string] }>(
      `${this.url}/api/v1/query?query=${encodeURIComponent(promql)}`,
    );
    // A scalar or string result is one value, not a list of series.
    if (data.resultType === 'vector' || data.resultType === 'matrix') return data.result as PromSeries[];
    return [{ metric: {}, value: data.result as [number, string] }];
  }

  async alerts(): Promise<PromAlert[]> {
    return (await api<{ alerts: PromAlert[] }>(`${this.url}/api/v1/alerts`)).alerts;
  }

  /** Health of each scrape target, by job. */
  async targets(): Promise<Array<{ job: string; health: string; lastError: string }>> {
    const data = await api<{
      activeTargets: Array<{ labels: Record<string, string>; health: string; lastError: string }>;
    }>(`${this.url}/api/v1/targets`);
    return data.activeTargets.map((t) => ({
      job: t.labels['job'] ?? '',
      health: t.health,
      lastError: t.lastError,
    }));
  }
}

/** `http://127.0.0.1:1234` -> `127.0.0.1:1234`, the form a scrape target takes. */
export function hostPort(url: string): string {
  return new URL(url).host;
}
