/**
 * Finds the rows ClickHouse refuses, once an insert of a table's rows failed with a row error (see
 * insert-errors.ts), by bisection: each failing part is split in two halves and both are inserted; a half
 * that succeeds is done, a half that fails is split again, down to single rows. Every row that is not
 * refused ends up inserted (inserts are idempotent, so a half inserted twice across retries is harmless).
 * One bad row among n costs about 2 log2(n) extra inserts; nothing extra happens when nothing fails.
 *
 * The systemic rule: if, from the whole down the leftmost halves, both halves of every part fail with the
 * same error code, down to a part whose left half is a single row, the error is taken as systemic (every
 * row fails alike): nothing is dead-lettered and the caller pauses and retries. Reaching that verdict costs
 * about 2 log2(n) failed inserts, whereas proving that each of n rows fails would cost 2n. A handful of bad
 * rows scattered in a big flush cannot pass for systemic (some half on the leftmost path succeeds); two
 * rows failing alike in a two-row flush do, which errs on the side of pausing.
 */
import type { Row } from '../mapping/rows.js';
import type { InsertErrorClass } from './insert-errors.js';

export interface RejectedRow {
  row: Row;
  error: unknown;
  errorClass: InsertErrorClass;
}

export type Isolation =
  | { outcome: 'isolated'; rejected: RejectedRow[] }
  /** a retriable or table error during the search, or the systemic rule: retry the whole table later */
  | { outcome: 'blocked'; error: unknown; errorClass: InsertErrorClass; systemic: boolean };

interface Failure {
  error: unknown;
  errorClass: InsertErrorClass;
}

class Blocked {
  constructor(
    readonly failure: Failure,
    readonly systemic: boolean,
  ) {}
}

export async function isolateRejectedRows(
  insert: (rows: readonly Row[]) => Promise<void>,
  rows: readonly Row[],
  firstFailure: Failure,
  classify: (error: unknown) => InsertErrorClass,
): Promise<Isolation> {
  const rejected: RejectedRow[] = [];

  const attempt = async (part: readonly Row[]): Promise<Failure | undefined> => {
    try {
      await insert(part);
      return undefined;
    } catch (error) {
      const errorClass = classify(error);
      if (errorClass.kind !== 'row') throw new Blocked({ error, errorClass }, errorClass.kind === 'table');
      return { error, errorClass };
    }
  };

  const visit = async (part: readonly Row[], failure: Failure, leftmostAlike: boolean): Promise<void> => {
    const [only] = part;
    if (part.length === 1 && only !== undefined) {
      rejected.push({ row: only, ...failure });
      return;
    }
    const middle = Math.ceil(part.length / 2);
    const left = part.slice(0, middle);
    const right = part.slice(middle);
    const leftFailure = await attempt(left);
    const rightFailure = await attempt(right);
    const code = failure.errorClass.code;
    const alike =
      leftFailure !== undefined &&
      rightFailure !== undefined &&
      leftFailure.errorClass.code === code &&
      rightFailure.errorClass.code === code;
    if (leftmostAlike && alike && left.length === 1) throw new Blocked(failure, true);
    if (leftFailure !== undefined) await visit(left, leftFailure, leftmostAlike && alike);
    if (rightFailure !== undefined) await visit(right, rightFailure, false);
  };

  try {
    await visit(rows, firstFailure, true);
    return { outcome: 'isolated', rejected };
  } catch (error) {
    if (!(error instanceof Blocked)) throw error;
    return { outcome: 'blocked', ...error.failure, systemic: error.systemic };
  }
}
