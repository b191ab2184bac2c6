/**
 * A backfill's progress on disk: per pass (a review status, a survey), the cursor of the next page and the
 * count published, written atomically (temp file in the same dir, fsync, rename) after each page the broker
 * acknowledged. A run killed between the ack and the write publishes that page again on resume: the same
 * message ids, so the warehouse is unchanged.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { readCheckpointJson, writeCheckpointJson } from '../checkpoint-file.js';
import { CliError, EXIT } from '../exit-codes.js';

export interface PassProgress {
  /** `status:approved`, `survey:<id>` */
  pass: string;
  /** the lastEvaluated cursor of the next page; absent before the first page */
  cursor?: string;
  done: boolean;
  published: number;
  skipped: number;
}

export interface BackfillCheckpoint {
  kind: 'reviews' | 'survey-responses';
  source: string;
  passes: PassProgress[];
  startedAt: string;
  updatedAt: string;
}

export const defaultCheckpointPath = (kind: BackfillCheckpoint['kind'], source: string): string =>
  join('.local', 'backfill', `${kind}-${source}.json`);

/** The checkpoint at `path`, or undefined when there is none; one of another backfill is a usage error. */
export async function readCheckpoint(
  path: string,
  expected: { kind: BackfillCheckpoint['kind']; source: string; passes: readonly string[] },
): Promise<BackfillCheckpoint | undefined> {
  const json = await readCheckpointJson(path);
  if (json === undefined) return undefined;
  if (typeof json !== 'object' || json === null)
    throw new CliError(
      `the checkpoint ${path} is not a backfill checkpoint: remove it to start over`,
      EXIT.usage,
    );
  const parsed = json as BackfillCheckpoint;
  const passes = Array.isArray(parsed.passes) ? parsed.passes.map((p) => p.pass).join(',') : '';
  if (
    parsed.kind !== expected.kind ||
    parsed.source !== expected.source ||
    passes !== expected.passes.join(',')
  )
    throw new CliError(
      `the checkpoint ${path} belongs to another backfill (${parsed.kind} of ${parsed.source}: ${passes}); ` +
        'pass --checkpoint with another file, or remove it',
      EXIT.usage,
    );
  return parsed;
}

export const writeCheckpoint = (path: string, checkpoint: BackfillCheckpoint): Promise<void> =>
  writeCheckpointJson(path, checkpoint);

export const removeCheckpoint = (path: string): Promise<void> => rm(path, { force: true });
