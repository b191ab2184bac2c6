/**
 * Acceptance property of the mapping policy on both engines: 200 seeded bodies per resource type, whose
 * non-identity fields hold arbitrary JSON (test/traffic/odd-bodies.ts: wrong types, nulls, nested objects,
 * strings up to ~100,000 code points, any well-formed unicode; lone surrogates excluded on purpose, they are
 * the poison path), planned by planBatch and written with writeRows, the live sink's reduction and insert
 * path. Read back through the `_current` views: one row per entity at its sequence number, nothing refused,
 * and mapping_issues naming every certainly odd field and nothing unplanted. Then a real-stack sample: signed
 * deliveries with odd fields through ingest, Kafka and the sink land in `_current` with their issues and no
 * dead letter.
 */

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { migrate } from '@okendo/infra/clickhouse';
import { RESOURCE_TYPES, type ResourceType } from '@okendo/schemas';
import { planBatch, TABLE_LAYOUTS, writeRows } from '@okendo/sink';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runInfra, titleWithSkipReason } from '../harness/infra.js';
import { uniqueName } from '../harness/names.js';
import { startTestPipeline } from '../harness/pipeline.js';
import { warehouseEngines } from '../harness/warehouses.js';
import {
  consumedEnvelope,
  issueMismatches,
  type OddBody,
  oddBody,
  oddBodySpec,
  oddEnvelope,
} from '../traffic/odd-bodies.js';
import { repoRoot } from '../vitest.shared.js';

const infra = runInfra();
const PER_TYPE = 200;
const SEED = 20261201;

function bodiesOf(resourceType: ResourceType, count: number, seed: number, huge: boolean): OddBody[] {
  const specs = fc.sample(oddBodySpec(resourceType, { huge, replaceResource: huge }), {
    seed,
    numRuns: count,
  });
  return specs.map((spec, i) => oddBody(resourceType, `odd-${resourceType}-${seed}-${i}`, spec));
}

/** The samples of sink_mapping_issues_total in a Prometheus text exposition. */
function mappingIssueCounts(metrics: string) {
  const sample = /^sink_mapping_issues_total\{resource_type="([^"]*)",field="([^"]*)"\} (\d+)$/gm;
  return [...metrics.matchAll(sample)].map((m) => ({
    resourceType: m[1] ?? '',
    field: m[2] ?? '',
    count: Number(m[3]),
  }));
}

interface StoredRow {
  id: string;
  seq: string;
  issues: string[];
}

/** The `_current` rows of these bodies (all of one resource type), by entity id. */
function currentRowsQuery(database: string, bodies: readonly OddBody[]): string {
  const first = bodies[0];
  if (first === undefined) throw new Error('no bodies');
  const layout = TABLE_LAYOUTS[first.resourceType];
  const prefix = first.entityId.replace(/-\d+$/, '-');
  return `SELECT ${layout.idColumn} AS id, toString(sequence_number) AS seq, mapping_issues AS issues
    FROM ${database}.${layout.table}_current WHERE ${layout.idColumn} LIKE '${prefix}%'`;
}

/** What differs between the bodies sent and their stored rows: empty when the policy holds. */
function differences(bodies: readonly OddBody[], rows: readonly StoredRow[]): string[] {
  const byId = new Map<string, StoredRow[]>();
  for (const row of rows) byId.set(row.id, [...(byId.get(row.id) ?? []), row]);
  const wrong: string[] = [];
  for (const body of bodies) {
    const found = byId.get(body.entityId) ?? [];
    const [row] = found;
    if (row === undefined || found.length !== 1) {
      wrong.push(`${body.entityId}: ${found.length} rows`);
      continue;
    }
    if (row.seq !== body.sequenceNumber.toString())
      wrong.push(`${body.entityId}: sequence_number ${row.seq}`);
    for (const problem of issueMismatches(body, row.issues)) wrong.push(`${body.entityId}: ${problem}`);
  }
  if (rows.length !== bodies.length) wrong.push(`${rows.length} rows for ${bodies.length} entities`);
  return wrong;
}

describe.each(warehouseEngines(infra))('mapping policy on $name', ({ name, missing, open }) => {
  it.skipIf(missing !== undefined)(
    titleWithSkipReason(
      `${PER_TYPE} generated bodies per resource type: each in _current at its sequence number, odd fields in mapping_issues`,
      missing,
    ),
    async () => {
      const { warehouse, close } = await open();
      const database = uniqueName('okendo_mapping');
      try {
        await migrate(warehouse, database);
        let planted = 0;
        let withIssues = 0;
        for (const [t, resourceType] of RESOURCE_TYPES.entries()) {
          const bodies = bodiesOf(resourceType, PER_TYPE, SEED + t, true);
          const plan = planBatch(
            bodies.map((b, i) => consumedEnvelope(oddEnvelope(b, `m-${b.entityId}`), i)),
          );
          expect(
            plan.deadLetters.map((d) => d.reason),
            `${name} ${resourceType}`,
          ).toEqual([]);
          const refused = await writeRows(warehouse, database, plan.rows, {
            retry: { initialBackoffMs: 100, maxBackoffMs: 100 },
          });
          expect([...refused.keys()], `${name} ${resourceType}: refused rows`).toEqual([]);
          const rows = await warehouse.query<StoredRow>(currentRowsQuery(database, bodies));
          expect(differences(bodies, rows), `${name} ${resourceType}`).toEqual([]);
          planted += bodies.filter((b) => b.plants.some((p) => p.odd)).length;
          withIssues += rows.filter((r) => r.issues.length > 0).length;
        }
        // The generator did plant odd values, and they did reach the column (not a vacuous pass).
        expect(planted).toBeGreaterThan(RESOURCE_TYPES.length * PER_TYPE * 0.3);
        expect(withIssues).toBeGreaterThanOrEqual(planted);
        const [letters] = await warehouse.query<{ n: string }>(
          `SELECT toString(count()) AS n FROM ${database}.dead_letters`,
        );
        expect(letters?.n).toBe('0');
        // The schema README's query of the Mapping policy section runs and finds the issues.
        const readme = await readFile(join(repoRoot, 'infra', 'clickhouse', 'README.md'), 'utf8');
        const section = readme.split(/^## Mapping policy\s*$/m)[1]?.split(/^## /m)[0] ?? '';
        const query = /```sql\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
        const top = await warehouse.query<{ issue: string; reviews: string }>(
          query.replaceAll('okendo.', `${database}.`),
        );
        expect(top.length, `${name}: ${query}`).toBeGreaterThan(0);
        expect(top[0]?.issue).toMatch(/^body\.resource/);
      } finally {
        await warehouse.command(`DROP DATABASE IF EXISTS ${database}`);
        await close();
      }
    },
  );
});

describe.skipIf(infra.kafka === undefined || infra.clickhouse === undefined)(
  titleWithSkipReason(
    'mapping policy, real stack: signed deliveries with odd fields reach _current with their issues',
    infra.unavailable.kafka ?? infra.unavailable.clickhouse,
  ),
  () => {
    it('3 per resource type through ingest, Kafka and the sink: no dead letter', async () => {
      if (infra.kafka === undefined || infra.clickhouse === undefined) throw new Error('unreachable');
      const pipeline = await startTestPipeline(infra.kafka.brokers, {
        kind: 'server',
        endpoint: infra.clickhouse,
      });
      try {
        const db = pipeline.database;
        // Small bodies (no huge strings), each with at least one certainly odd field, the resource kept (the
        // ingest reads the entity id from it).
        const sent = RESOURCE_TYPES.map((resourceType, t) => {
          const specs = fc.sample(
            oddBodySpec(resourceType, { huge: false, replaceResource: false }).filter((spec) =>
              oddBody(resourceType, 'probe', spec).plants.some((p) => p.odd),
            ),
            { seed: SEED + 100 + t, numRuns: 3 },
          );
          return specs.map((spec, i) => oddBody(resourceType, `odd-stack-${resourceType}-${i}`, spec));
        });
        for (const bodies of sent)
          for (const body of bodies) expect(await pipeline.post(body), body.entityId).toBe(200);
        const total = sent.flat().length;
        await pipeline.waitFor<{ n: string }>(
          `SELECT toString(count()) AS n FROM ${db}.events_current`,
          (rows) => rows[0]?.n === String(total),
        );
        let issues = 0;
        for (const bodies of sent) {
          const rows = await pipeline.waitFor<StoredRow>(
            currentRowsQuery(db, bodies),
            (r) => r.length >= bodies.length,
          );
          expect(differences(bodies, rows)).toEqual([]);
          for (const row of rows) expect(row.issues.length, row.id).toBeGreaterThan(0);
          issues += rows.reduce((sum, row) => sum + row.issues.length, 0);
        }
        // sink_mapping_issues_total counts the same issues once their flush is committed, labelled by
        // resource type and field path only (indices as [], no value).
        let counted: Array<{ resourceType: string; field: string; count: number }> = [];
        for (let attempt = 0; attempt < 100; attempt++) {
          counted = mappingIssueCounts(await (await fetch(`${pipeline.sink.url}/metrics`)).text());
          if (counted.reduce((sum, c) => sum + c.count, 0) >= issues) break;
          await sleep(200);
        }
        expect(counted.reduce((sum, c) => sum + c.count, 0)).toBe(issues);
        expect(new Set(counted.map((c) => c.resourceType))).toEqual(new Set(RESOURCE_TYPES));
        for (const { field } of counted) expect(field).toMatch(/^resource(\.[A-Za-z0-9_]+|\[\])*$/);
        const [letters] = await pipeline.sql<{ n: string }>(
          `SELECT toString(count()) AS n FROM ${db}.dead_letters`,
        );
        expect(letters?.n).toBe('0');
      } finally {
        await pipeline.stop();
      }
    });
  },
);
