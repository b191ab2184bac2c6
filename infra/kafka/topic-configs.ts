/**
 * Reading topic configurations from the broker (DescribeConfigs): the services' start-up checks of
 * `max.message.bytes` and the durability report's `min.insync.replicas` share this one reader.
 */
import type { Admin, ConfigResourceTypes } from 'kafkajs';

// ConfigResourceTypes.TOPIC: kafkajs' CommonJS index hides it from Node's named ESM imports.
const TOPIC_RESOURCE = 2 as ConfigResourceTypes;

export interface TopicConfigValues {
  /** topic -> the value in effect (its own override, else the broker default) */
  values: Map<string, string>;
  /** topic -> why the broker could not describe it */
  errors: Map<string, string>;
}

/** One configuration entry of each topic, as the broker reports it. */
export async function describeTopicConfig(
  admin: Admin,
  topics: readonly string[],
  configName: string,
): Promise<TopicConfigValues> {
  const result: TopicConfigValues = { values: new Map(), errors: new Map() };
  if (topics.length === 0) return result;
  const described = await admin.describeConfigs({
    resources: topics.map((name) => ({ type: TOPIC_RESOURCE, name, configNames: [configName] })),
    includeSynonyms: false,
  });
  for (const resource of described.resources) {
    if (resource.errorCode !== 0) {
      result.errors.set(resource.resourceName, resource.errorMessage ?? `error code ${resource.errorCode}`);
      continue;
    }
    const value = resource.configEntries.find((e) => e.configName === configName)?.configValue;
    if (value !== undefined) result.values.set(resource.resourceName, value);
  }
  return result;
}

/**
 * The effective max.message.bytes of each topic (its override, else the broker's message.max.bytes); throws
 * when a topic cannot be described or reports no usable value.
 */
export async function readMaxMessageBytes(
  admin: Admin,
  topics: readonly string[],
): Promise<ReadonlyMap<string, number>> {
  const { values, errors } = await describeTopicConfig(admin, topics, 'max.message.bytes');
  for (const [topic, message] of errors)
    throw new Error(`cannot read the config of topic ${topic}: ${message}`);
  const limits = new Map<string, number>();
  for (const [topic, text] of values) {
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new Error(`topic ${topic} reports no usable max.message.bytes`);
    }
    limits.set(topic, value);
  }
  const missing = topics.filter((topic) => !limits.has(topic));
  if (missing.length > 0) throw new Error(`the broker did not describe topic(s) ${missing.join(', ')}`);
  return limits;
}
