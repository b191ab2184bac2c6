import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { access, constants } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const execFileAsync = promisify(execFile);

/** Finds an executable on PATH (plus extra directories, e.g. /usr/sbin, which a non-root PATH may lack). */
export async function findExecutable(
  name: string,
  extraDirs: readonly string[] = [],
): Promise<string | undefined> {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter), ...extraDirs].filter((d) => d !== '');
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory; try the next one
    }
  }
  return undefined;
}

/** The java that runs Kafka and ZooKeeper: JAVA_HOME's when set, else the one on PATH. */
export async function javaBinary(): Promise<string> {
  const fromHome = process.env['JAVA_HOME'] ? join(process.env['JAVA_HOME'], 'bin', 'java') : undefined;
  if (fromHome !== undefined && existsSync(fromHome)) return fromHome;
  const java = await findExecutable('java');
  if (java === undefined)
    throw new Error(
      'java is not on PATH: Kafka and ZooKeeper need Java 17+ (apt-get install openjdk-17-jre-headless)',
    );
  return java;
}

/** Absolute path of a file shipped in infra/local (works from the sources and from the compiled dist/). */
export function localAsset(...parts: string[]): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'local', 'kafka', 'pom.xml'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the infra/ folder of okendo-pipeline');
    dir = parent;
  }
  return join(dir, 'local', ...parts);
}
