import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { LocalClickHouse } from './clickhouse-server.js';
import { localAsset } from './commands.js';
import type { LocalKafka } from './kafka.js';

/** What `infra:up` started, so `infra:down` and `infra:status` (separate processes) can find it. */
export interface InfraState {
  kafka?: LocalKafka;
  clickhouse?: LocalClickHouse;
}

export function stateFile(): string {
  return join(localAsset(), '..', '..', '.local', 'infra.json');
}

export async function readState(): Promise<InfraState> {
  try {
    return JSON.parse(await readFile(stateFile(), 'utf8')) as InfraState;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
}

export async function writeState(state: InfraState): Promise<void> {
  const file = stateFile();
  if (state.kafka === undefined && state.clickhouse === undefined) {
    await rm(file, { force: true });
    return;
  }
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(state, null, 2)}\n`);
}
