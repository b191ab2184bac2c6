/**
 * A replay's checkpoint file: which replay it belongs to (source, database, filter), the cursor after the last
 * page the broker acknowledged, and the counts so far. Written atomically (a temp file in the same directory,
 * fsync, rename) after every acknowledged page, so a replay killed at any moment resumes after the last page
 * it knows was acknowledged: at most the one page in flight is published again, which the sink absorbs (same
 * message ids).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
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
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CliError(`cannot read the checkpoint ${path}: ${(error as Error).message}`, EXIT.usage);
  }
  let parsed: Partial<ReplayCheckpoint>;
  try {
    parsed = JSON.parse(text) as Partial<ReplayCheckpoint>;
  } catch {
    throw new CliError(`the checkpoint ${path} is not JSON: remove it to start over`, EXIT.usage);
  }
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

export async function writeCheckpoint(path: string, checkpoint: ReplayCheckpoint): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const temp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const file = await open(temp, 'w', 0o600);
  try {
    await file.writeFile(`${JSON.stringify(checkpoint, null, 2)}\n`);
    await file.sync();
  } finally {
    await file.close();
  }
  try {
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
