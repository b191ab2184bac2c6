/**
 * Whether this machine can start its own Kafka and ClickHouse server processes (infra/local), independently of
 * where the run's shared infrastructure comes from. Tests that kill a broker or a server need their own: with
 * explicit KAFKA_BROKERS / CLICKHOUSE_URL (a Docker or remote setup) they still start native ones when they
 * can, and otherwise say exactly what is missing.
 */
import { access, constants } from 'node:fs/promises';
import { join } from 'node:path';
import { findExecutable, resolveKafkaClasspath } from '@okendo/infra/local';

const SBIN = ['/usr/sbin', '/usr/bin', '/usr/local/bin'];

async function executable(path: string): Promise<string | undefined> {
  try {
    await access(path, constants.X_OK);
    return path;
  } catch {
    return undefined;
  }
}

/** undefined when both can be started; otherwise every reason, for a skip title or a REQUIRE_INFRA failure. */
export async function nativeToolchainMissing(): Promise<string | undefined> {
  const reasons: string[] = [];
  const javaHome = process.env['JAVA_HOME'];
  const java = javaHome ? await executable(join(javaHome, 'bin', 'java')) : await findExecutable('java');
  if (java === undefined) reasons.push('java is not on PATH or in JAVA_HOME (Kafka needs Java 17+)');
  try {
    await resolveKafkaClasspath();
  } catch (error) {
    reasons.push(`Kafka jars: ${(error as Error).message}`);
  }
  const explicit = process.env['CLICKHOUSE_SERVER_BIN'];
  const server = explicit
    ? await executable(explicit)
    : ((await findExecutable('clickhouse-server', SBIN)) ?? (await findExecutable('clickhouse', SBIN)));
  if (server === undefined)
    reasons.push(
      explicit ? `CLICKHOUSE_SERVER_BIN ${explicit} is not executable` : 'clickhouse-server is not installed',
    );
  return reasons.length === 0 ? undefined : reasons.join('; ');
}
