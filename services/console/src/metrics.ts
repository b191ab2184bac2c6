/** The console's own /metrics (its own registry): what Okendo said at the last refresh, and its errors. */
import { Counter, Gauge, Registry } from 'prom-client';

export interface ConsoleMetrics {
  readonly registry: Registry;
  /** Replaces the source's series with the subscriptions just listed (a deleted one disappears). */
  recordSubscriptions(source: string, subscriptions: ReadonlyArray<{ id: string; isEnabled: boolean }>): void;
  /** One failed Okendo call (code: the client's error code, e.g. server_error, network_error). */
  recordOkendoError(source: string, code: string): void;
}

export function createConsoleMetrics(): ConsoleMetrics {
  const registry = new Registry();
  const enabled = new Gauge({
    name: 'console_okendo_subscription_enabled',
    help: 'Whether each Okendo webhook subscription seen at the last refresh is enabled (1) or disabled (0)',
    labelNames: ['source', 'subscription_id'] as const,
    registers: [registry],
  });
  const errors = new Counter({
    name: 'console_okendo_api_errors_total',
    help: 'Okendo API calls by the console that failed, by source and error code',
    labelNames: ['source', 'code'] as const,
    registers: [registry],
  });
  const seen = new Map<string, Set<string>>();
  return {
    registry,
    recordSubscriptions(source, subscriptions) {
      for (const id of seen.get(source) ?? []) enabled.remove({ source, subscription_id: id });
      seen.set(source, new Set(subscriptions.map((s) => s.id)));
      for (const s of subscriptions) enabled.set({ source, subscription_id: s.id }, s.isEnabled ? 1 : 0);
    },
    recordOkendoError(source, code) {
      errors.inc({ source, code });
    },
  };
}
