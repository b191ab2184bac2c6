export {
  type EnsureTopicsOptions,
  type EnsureTopicsReport,
  ensureTopics,
  TOPIC_SPECS,
  type TopicSpec,
} from './topics.js';
