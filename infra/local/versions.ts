/**
 * The one place the local Kafka version is pinned. Verified with kafkajs 2.2.4 (produce, consume in a group,
 * commit, create and delete topics): see the README. `KAFKA_VERSION` in the environment overrides it, to try
 * another release without editing code (avoid 4.0.0: it dropped JoinGroup v0-1 that kafkajs uses).
 */
export const PINNED_KAFKA_VERSION = '3.9.1';

export function kafkaVersion(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env['KAFKA_VERSION']?.trim();
  if (fromEnv === undefined || fromEnv === '') return PINNED_KAFKA_VERSION;
  if (!/^\d+\.\d+\.\d+$/.test(fromEnv)) {
    throw new Error(`KAFKA_VERSION must look like 3.9.1, got ${JSON.stringify(fromEnv)}`);
  }
  return fromEnv;
}
