export {
  type EnsureTopicsOptions,
  type EnsureTopicsReport,
  ensureTopics,
  ensureTopicsWith,
  TOPIC_SPECS,
  type TopicSpec,
} from './topics.js';
