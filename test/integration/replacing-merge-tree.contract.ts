import { expect } from 'vitest';
import type { TestWarehouse } from '../harness/warehouses.js';

/**
 * The portable-DDL contract both engines must meet (design.md): a ReplacingMergeTree(version) table written
 * with repeated keys and shuffled versions reads back, with FINAL, the highest version per key. Versions
 * above 2^53 travel as JSON strings; DateTime as `YYYY-MM-DD hh:mm:ss`.
 */
const KEYS = 40;
const VERSIONS_PER_KEY = 6;
const BASE_VERSION = 9_007_199_254_740_993n; // 2^53 + 1: a JS number would round it

interface VersionRow {
  key: string;
  version: string;
  value: string;
  updated_at: string;
  is_deleted: number;
}

/** A deterministic shuffle (LCG-driven Fisher-Yates), so a failure can be replayed. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

function generateRows(): VersionRow[] {
  const rows: VersionRow[] = [];
  for (let k = 0; k < KEYS; k++) {
    for (let v = 0; v < VERSIONS_PER_KEY; v++) {
      const version = BASE_VERSION + BigInt(k * 1_000 + v * 7);
      const second = String(v).padStart(2, '0');
      rows.push({
        key: `review-${k}`,
        version: version.toString(),
        value: `key ${k} version ${v} — “quoted” ✓`,
        updated_at: `2026-11-0${1 + (v % 9)} 10:00:${second}`,
        // The newest version of every fifth key is a delete.
        is_deleted: k % 5 === 0 && v === VERSIONS_PER_KEY - 1 ? 1 : 0,
      });
    }
  }
  return rows;
}

export async function checkReplacingMergeTree({ warehouse, database }: TestWarehouse): Promise<void> {
  const table = `${database}.versions`;
  await warehouse.command(
    `CREATE TABLE ${table} (key String, version UInt64, value String, updated_at DateTime, is_deleted UInt8)
     ENGINE = ReplacingMergeTree(version) ORDER BY key`,
  );
  const rows = generateRows();
  const order = shuffled(rows, 42);
  // Several inserts make several parts, so FINAL (not a background merge) must do the replacing.
  const chunk = Math.ceil(order.length / 4);
  for (let start = 0; start < order.length; start += chunk) {
    await warehouse.insertJsonEachRow(table, order.slice(start, start + chunk));
  }

  const latest = new Map<string, VersionRow>();
  for (const row of rows) {
    const current = latest.get(row.key);
    if (current === undefined || BigInt(row.version) > BigInt(current.version)) latest.set(row.key, row);
  }
  const expected = [...latest.values()].sort((a, b) => a.key.localeCompare(b.key));

  // count() is a UInt64: both engines must hand it over as a string, never a rounded JS number.
  const stored = await warehouse.query<{ n: string; keys: string }>(
    `SELECT count() AS n, uniqExact(key) AS keys FROM ${table}`,
  );
  expect(stored[0]?.keys).toBe(String(KEYS));
  expect(typeof stored[0]?.n).toBe('string');

  const final = await warehouse.query<VersionRow>(
    `SELECT key, version, value, updated_at, is_deleted FROM ${table} FINAL ORDER BY key`,
  );
  expect(final).toEqual(expected);

  const live = await warehouse.query<{ key: string }>(
    `SELECT key FROM ${table} FINAL WHERE is_deleted = 0 ORDER BY key`,
  );
  expect(live.map((r) => r.key)).toEqual(expected.filter((r) => r.is_deleted === 0).map((r) => r.key));
  expect(live).toHaveLength(KEYS - KEYS / 5);
}
