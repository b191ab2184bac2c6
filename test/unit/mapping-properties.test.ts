/**
 * Acceptance property of the mapping policy (services/sink/src/mapping/README.md), at the sink's pure core:
 * for every resource type, bodies whose non-identity fields hold arbitrary JSON are never dead-lettered,
 * always give their state row at their sequence number with the envelope's entity id, and name the odd
 * fields (and only planted ones) in mapping_issues. test/integration/mapping-properties.test.ts writes such
 * bodies into both engines.
 */
import { RESOURCE_TYPES } from '@okendo/schemas';
import { planBatch, TABLE_LAYOUTS } from '@okendo/sink';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  consumedEnvelope,
  issueMismatches,
  oddBody,
  oddBodySpec,
  oddEnvelope,
} from '../traffic/odd-bodies.js';

const RUNS = 150;

describe('mapping policy: arbitrary JSON in non-identity fields', () => {
  it.each(RESOURCE_TYPES.map((type) => [type]))(
    '%s: never a dead letter, always the state row, odd fields in mapping_issues',
    (resourceType) => {
      const layout = TABLE_LAYOUTS[resourceType];
      const spec = oddBodySpec(resourceType, { huge: true, replaceResource: true });
      let oddBodies = 0;
      let rowsWithIssues = 0;
      fc.assert(
        fc.property(fc.array(spec, { minLength: 1, maxLength: 4 }), (specs) => {
          const bodies = specs.map((s, i) => oddBody(resourceType, `odd-${resourceType}-${i}`, s));
          const plan = planBatch(bodies.map((b, i) => consumedEnvelope(oddEnvelope(b, `m${i}`), i)));
          expect(plan.deadLetters.map((d) => d.reason)).toEqual([]);
          const rows = plan.rows.get(layout.table) ?? [];
          expect(rows).toHaveLength(bodies.length);
          for (const body of bodies) {
            const row = rows.find((r) => r[layout.idColumn] === body.entityId);
            expect(row?.['sequence_number']).toBe(body.sequenceNumber.toString());
            expect(row?.['event_topic']).toBe(body.topic);
            const issues = (row?.['mapping_issues'] ?? []) as string[];
            expect(issueMismatches(body, issues)).toEqual([]);
            if (body.plants.some((p) => p.odd)) oddBodies++;
            if (issues.length > 0) rowsWithIssues++;
          }
          expect(plan.rows.get('events')).toHaveLength(bodies.length);
        }),
        { numRuns: RUNS },
      );
      // Not a vacuous pass: odd values were planted, and they reached the column.
      expect(oddBodies).toBeGreaterThan(RUNS * 0.3);
      expect(rowsWithIssues).toBeGreaterThanOrEqual(oddBodies);
    },
  );
});
