export { writeFileAtomically } from './atomic-file.js';
export { ConfigError, EnvReader } from './env-reader.js';
export {
  type CreateKafkaOptions,
  createKafka,
  describeKafkaConnection,
  isTransientKafkaLog,
  type KafkaClientOverrides,
  type KafkaConnection,
  type KafkaLogger,
  type KafkaSasl,
  kafkaLogCreator,
  readKafkaConnection,
  SASL_MECHANISMS,
  type SaslMechanism,
} from './kafka-connection.js';
export { isEntryPoint, type RunningService, runService, type ServiceDefinition } from './run-service.js';
export { createServiceLogger } from './service-logger.js';
export { readTopicDurability, type TopicDurabilityConfig } from './topic-durability.js';
export {
  DEFAULT_WEBHOOK_SOURCES_FILE,
  formatWebhookSourcesFile,
  type ParsedWebhookSourcesFile,
  parseWebhookSourcesFile,
  readWebhookSourcesFile,
  SECRET_LABEL,
  type SourceSecretEntry,
  secretIsValidAt,
  secretLabel,
  signingSecretProblem,
  WEBHOOK_SOURCE_NAME,
  type WebhookSourcesFile,
  writeWebhookSourcesFile,
} from './webhook-sources-file.js';
