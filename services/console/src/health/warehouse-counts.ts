/**
 * The health page's counts from ClickHouse, through the CLI's WarehouseAccess (a server directly, or the
 * running sink's POST /sql in embedded mode): open dead letters and unrouted deliveries with their latest
 * reasons, and per resource type the last event's receive time, the events of the last minutes and the
 * warehouse freshness (the ingest's receive time, which precedes its 2xx, to the events row's insert).
 */
import type { WarehouseAccess } from '@okendo/cli';
import { RESOURCE_TYPES, type ResourceType } from '@okendo/schemas';

export interface ReasonCount {
  reason: string;
  count: number;
  /** ISO time of the latest one */
  latest: string;
}

export interface ResourceTypeCounts {
  resourceType: ResourceType;
  /** ISO receive time of its newest event, null when it has none */
  lastEventAt: string | null;
  /** events received in the last RECENT_MINUTES minutes, per minute */
  storedPerMinute: number;
  /** receive to events row, over the last FRESHNESS_MINUTES minutes (second precision: the insert time is whole seconds) */
  freshnessSeconds: { p50: number | null; p99: number | null };
}

export interface WarehouseCounts {
  via: string;
  deadLettersOpen: number;
  deadLetterReasons: ReasonCount[];
  unrouted: number;
  unroutedReasons: ReasonCount[];
  resourceTypes: ResourceTypeCounts[];
}

export const RECENT_MINUTES = 5;
export const FRESHNESS_MINUTES = 15;
/** reasons shown per list; the error text is cut, it may quote a value ClickHouse refused */
const REASONS = 5;
const REASON_CHARS = 160;

const iso = (seconds: unknown): string => new Date(Number(seconds) * 1_000).toISOString();
const finite = (value: unknown): number | null => {
  const n = Number(value);
  return Number.isFinite(n) ? Math.max(0, n) : null;
};

export async function readWarehouseCounts(access: WarehouseAccess, nowMs: number): Promise<WarehouseCounts> {
  const db = access.database;
  const recentMs = nowMs - RECENT_MINUTES * 60_000;
  const freshMs = nowMs - FRESHNESS_MINUTES * 60_000;
  const [deadTotal, deadReasons, unroutedTotal, unroutedReasons, events] = await Promise.all([
    access.query(`SELECT count() AS n FROM ${db}.dead_letters_open`),
    access.query(
      `SELECT substring(error, 1, ${REASON_CHARS}) AS reason, count() AS n, toUnixTimestamp(max(failed_at)) AS latest
       FROM ${db}.dead_letters_open GROUP BY reason ORDER BY latest DESC, n DESC LIMIT ${REASONS}`,
    ),
    access.query(`SELECT count() AS n FROM ${db}.unrouted_deliveries FINAL`),
    access.query(
      `SELECT reason_code AS reason, count() AS n, toUnixTimestamp(max(received_at)) AS latest
       FROM ${db}.unrouted_deliveries FINAL GROUP BY reason ORDER BY latest DESC, n DESC LIMIT ${REASONS}`,
    ),
    access.query(
      `SELECT resource_type, toString(max(received_at_ms)) AS last_ms,
         countIf(received_at_ms >= ${recentMs}) AS recent,
         quantilesIf(0.5, 0.99)(greatest(toUnixTimestamp(inserted_at) - received_at_ms / 1000, 0),
           received_at_ms >= ${freshMs}) AS fresh,
         countIf(received_at_ms >= ${freshMs}) AS fresh_n
       FROM ${db}.events GROUP BY resource_type`,
    ),
  ]);
  const reasons = (rows: Record<string, unknown>[]): ReasonCount[] =>
    rows.map((row) => ({
      reason: String(row['reason']),
      count: Number(row['n']),
      latest: iso(row['latest']),
    }));
  const byType = new Map(events.map((row) => [String(row['resource_type']), row]));
  return {
    via: access.via,
    deadLettersOpen: Number(deadTotal[0]?.['n'] ?? 0),
    deadLetterReasons: reasons(deadReasons),
    unrouted: Number(unroutedTotal[0]?.['n'] ?? 0),
    unroutedReasons: reasons(unroutedReasons),
    resourceTypes: RESOURCE_TYPES.map((resourceType) => {
      const row = byType.get(resourceType);
      const fresh = Array.isArray(row?.['fresh']) ? (row['fresh'] as unknown[]) : [];
      const freshCount = Number(row?.['fresh_n'] ?? 0);
      return {
        resourceType,
        lastEventAt: row === undefined ? null : new Date(Number(row['last_ms'])).toISOString(),
        storedPerMinute: Number(row?.['recent'] ?? 0) / RECENT_MINUTES,
        freshnessSeconds:
          freshCount === 0 ? { p50: null, p99: null } : { p50: finite(fresh[0]), p99: finite(fresh[1]) },
      };
    }),
  };
}
