export { describeTopicConfig, readMaxMessageBytes, type TopicConfigValues } from './topic-configs.js';
export {
  type DurabilityWarning,
  durabilityProblem,
  type EnsureTopicsOptions,
  type EnsureTopicsReport,
  ensureTopics,
  ensureTopicsWith,
  resolveTopicDurability,
  TOPIC_SPECS,
  type TopicDurability,
  type TopicSpec,
} from './topics.js';
