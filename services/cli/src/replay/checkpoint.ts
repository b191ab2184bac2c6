/**
 * A replay's checkpoint file: which replay it belongs to (source, database, filter), the cursor after the last
 * page the broker acknowledged, and the counts so far. Written atomically (a temp file in the same directory,
 * fsync, rename) after every acknowledged page, so a replay killed at any moment resumes after the last page
 * it knows was acknowledged: at most the one page in flight is published again, which the sink absorbs (same
 * message ids).
 */
import { readCheckpointJson, writeCheckpointJson } from '../checkpoint-file.js';
import { CliError, EXIT } from '../exit-codes.js';
import type { Cursor, ReplayFilter, ReplaySource } from './replay-source.js';

export type ReplayFrom = 'events' | 'dead-letters' | 'unrouted';

export interface ReplayCheckpoint {
  version: 1;
  from: ReplayFrom;
  database: string;
  /** the filter as given, so a checkpoint is never resumed with another one */
  filter: ReplayFilter;
  cursor: Cursor | null;
  published: number;
  byType: Record<string, number>;
  skipped: Record<string, number>;
  done: boolean;
  updatedAt: string;
}

/** The identity of a replay: a checkpoint resumes only the same one. */
export function sameReplay(a: Pick<ReplayCheckpoint, 'from' | 'database' | 'filter'>, b: typeof a): boolean {
  return (
    a.from === b.from && a.database === b.database && JSON.stringify(a.filter) === JSON.stringify(b.filter)
  );
}

const isCounts = (value: unknown): value is Record<string, number> =>
  typeof value === 'object' &&
  value !== null &&
  Object.values(value).every((n) => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0);

/** The checkpoint at `path`, or undefined when there is none yet. */
export async function readCheckpoint(
  path: string,
  source: ReplaySource,
): Promise<ReplayCheckpoint | undefined> {
  const json = await readCheckpointJson(path);
  if (json === undefined) return undefined;
  const parsed = json as Partial<ReplayCheckpoint>;
  const valid =
    parsed.version === 1 &&
    typeof parsed.from === 'string' &&
    typeof parsed.database === 'string' &&
    typeof parsed.filter === 'object' &&
    (parsed.cursor === null || source.isCursor(parsed.cursor)) &&
    typeof parsed.published === 'number' &&
    isCounts(parsed.byType) &&
    isCounts(parsed.skipped) &&
    typeof parsed.done === 'boolean';
  if (!valid)
    throw new CliError(
      `the checkpoint ${path} is not a replay checkpoint: remove it to start over`,
      EXIT.usage,
    );
  return parsed as ReplayCheckpoint;
}

export const writeCheckpoint = (path: string, checkpoint: ReplayCheckpoint): Promise<void> =>
  writeCheckpointJson(path, checkpoint);
