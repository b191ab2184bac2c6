/**
 * The JSON file a resumable command (replay, backfill) keeps its progress in: read back as unknown JSON for
 * the command to check, written atomically (writeFileAtomically: a crash leaves the old or the new checkpoint,
 * never a part of one).
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomically } from '@okendo/common';
import { CliError, EXIT } from './exit-codes.js';

/** The parsed checkpoint, or undefined when there is none yet; unreadable or not JSON is a usage error. */
export async function readCheckpointJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CliError(`cannot read the checkpoint ${path}: ${(error as Error).message}`, EXIT.usage);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new CliError(`the checkpoint ${path} is not JSON: remove it to start over`, EXIT.usage);
  }
}

export const writeCheckpointJson = (path: string, checkpoint: unknown): Promise<void> =>
  writeFileAtomically(path, `${JSON.stringify(checkpoint, null, 2)}\n`, 0o600);
