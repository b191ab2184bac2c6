/**
 * The self-test's second half: after the drain, it plants what a broken sink could leave behind, so the run
 * proves that the wrong-state and child-row checks can fail too (the plain-MergeTree events table proves it
 * for the event log). Only the self-test's own database is touched.
 */
import { qualifiedName, type Warehouse } from '@okendo/sink';
import type { ExpectedEntity } from '../traffic/delivery-ledger.js';

export interface PlantedDifferences {
  /** review whose current row got another title (same sequence_number, inserted later: it wins the merge) */
  retitled: string;
  /** review that got one tag row more in its current version */
  extraTag: string;
}

export async function plantDifferences(
  warehouse: Warehouse,
  database: string,
  expected: readonly ExpectedEntity[],
): Promise<PlantedDifferences> {
  const reviews = expected.filter((e) => e.table === 'reviews' && !e.deleted);
  const [first, second] = reviews;
  if (first === undefined || second === undefined) throw new Error('self-test: fewer than two live reviews');
  const [row] = await warehouse.query<Record<string, unknown>>(
    `SELECT * FROM ${qualifiedName(database, 'reviews')} FINAL WHERE review_id = '${first.entityId}'`,
  );
  if (row === undefined) throw new Error(`self-test: review ${first.entityId} is not stored`);
  await warehouse.insertJsonEachRow(`${database}.reviews`, [{ ...row, title: 'planted by the self-test' }]);
  await warehouse.insertJsonEachRow(`${database}.review_tags`, [
    {
      review_id: second.entityId,
      sequence_number: second.sequenceNumber.toString(),
      position: 999,
      tag: 'planted',
    },
  ]);
  return { retitled: first.entityId, extraTag: second.entityId };
}
