/**
 * Whether this machine can start its own Kafka and ClickHouse server processes (infra/local), independently of
 * where the run's shared infrastructure comes from. Tests that kill a broker or a server need their own: with
 * explicit KAFKA_BROKERS / CLICKHOUSE_URL (a Docker or remote setup) they still start native ones when they
 * can, and otherwise say exactly what is missing.
 */
import { access, constants } from 'node:fs/promises';
import { join } from 'node:path';
import { findExecutable, kafkaVersion, resolveKafkaClasspath } from '@okendo/infra/local';

const SBIN = ['/usr/sbin', '/usr/bin', '/usr/local/bin'];

async function executable(path: string): Promise<string | undefined> {
  try {
    await access(path, constants.X_OK);
    return path;
  } catch {
    return undefined;
  }
}

/** undefined when a native broker of each version can start (java, and the jars via Maven); else the reasons. */
export async function kafkaToolchainMissing(
  versions: readonly string[] = [kafkaVersion()],
): Promise<string | undefined> {
  const reasons: string[] = [];
  const javaHome = process.env['JAVA_HOME'];
  const java = javaHome ? await executable(join(javaHome, 'bin', 'java')) : await findExecutable('java');
  if (java === undefined) reasons.push('java is not on PATH or in JAVA_HOME (Kafka needs Java 17+)');
  for (const version of versions) {
    try {
      await resolveKafkaClasspath(version);
    } catch (error) {
      reasons.push(`Kafka ${version} jars: ${(error as Error).message}`);
    }
  }
  return reasons.length === 0 ? undefined : reasons.join('; ');
}

/**
 * undefined when both can be started (a broker of each of `kafkaVersions`, the pinned one by default);
 * otherwise every reason, for a skip title or a REQUIRE_INFRA failure.
 */
export async function nativeToolchainMissing(
  kafkaVersions: readonly string[] = [kafkaVersion()],
): Promise<string | undefined> {
  const reasons: string[] = [];
  const kafka = await kafkaToolchainMissing(kafkaVersions);
  if (kafka !== undefined) reasons.push(kafka);
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
