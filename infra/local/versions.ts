/**
 * The one place the local Kafka versions are pinned. Both are verified with kafkajs 2.2.4 (produce, consume in a
 * group, commit, create and delete topics, a broker SIGKILL under traffic): see the README. The first is the
 * default; `KAFKA_VERSION` in the environment overrides it, to try another release without editing code.
 */
export const PINNED_KAFKA_VERSION = '3.9.1';
/** The newest 4.x verified here: 4.x logs through log4j2 (infra/local/kafka.ts picks the backend per version). */
export const PINNED_KAFKA_4_VERSION = '4.1.2';
/** Every version CI runs the Kafka smoke and a broker fault scenario on (`infra:provision` resolves them all). */
export const VERIFIED_KAFKA_VERSIONS: readonly string[] = [PINNED_KAFKA_VERSION, PINNED_KAFKA_4_VERSION];

export function kafkaVersion(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env['KAFKA_VERSION']?.trim();
  if (fromEnv === undefined || fromEnv === '') return PINNED_KAFKA_VERSION;
  if (!/^\d+\.\d+\.\d+$/.test(fromEnv)) {
    throw new Error(`KAFKA_VERSION must look like 3.9.1, got ${JSON.stringify(fromEnv)}`);
  }
  // 4.0.0 removed JoinGroup v0-1, the only versions kafkajs speaks: consumer groups fail. 4.0.1 restored them.
  if (fromEnv === '4.0.0')
    throw new Error('KAFKA_VERSION 4.0.0 cannot serve kafkajs consumer groups: use 4.0.1+');
  return fromEnv;
}

/** Kafka 4.x logs through log4j2; 3.x through log4j 1.x (reload4j). */
export function kafkaLogsThroughLog4j2(version: string): boolean {
  return Number(version.split('.')[0]) >= 4;
}
