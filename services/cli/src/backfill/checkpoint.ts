/**
 * A backfill's progress on disk: per pass (a review status, a survey), the cursor of the next page and the
 * count published, written atomically (temp file in the same dir, fsync, rename) after each page the broker
 * acknowledged. A run killed between the ack and the write publishes that page again on resume: the same
 * message ids, so the warehouse is unchanged.
 */
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
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
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CliError(`cannot read the checkpoint ${path}: ${(error as Error).message}`, EXIT.usage);
  }
  let parsed: BackfillCheckpoint;
  try {
    parsed = JSON.parse(text) as BackfillCheckpoint;
  } catch {
    throw new CliError(`the checkpoint ${path} is not JSON; remove it to start afresh`, EXIT.usage);
  }
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

export async function writeCheckpoint(path: string, checkpoint: BackfillCheckpoint): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  const handle = await open(temp, 'w', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(checkpoint, null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, path);
}

export const removeCheckpoint = (path: string): Promise<void> => rm(path, { force: true });
