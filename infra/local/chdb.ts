/**
 * chDB, the in-process ClickHouse engine, is an optional dependency: it ships a large native library that not
 * every deployment needs (those with a ClickHouse server don't). Load it only when the embedded warehouse is used.
 */
export type ChdbModule = typeof import('chdb');

let loaded: Promise<ChdbModule> | undefined;

export function loadChdb(): Promise<ChdbModule> {
  loaded ??= import('chdb').catch((error: unknown) => {
    loaded = undefined;
    throw new Error(
      `the embedded warehouse needs the optional npm package "chdb" (npm install chdb), or set CLICKHOUSE_URL: ${(error as Error).message}`,
    );
  });
  return loaded;
}

/** The ClickHouse engine version inside chDB, e.g. 26.7.2.1. */
export async function chdbEngineVersion(): Promise<string> {
  const chdb = await loadChdb();
  return chdb.query('SELECT version()', 'TSVRaw').trim();
}
