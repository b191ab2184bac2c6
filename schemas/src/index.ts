export {
  type Codec,
  deadLetterCodec,
  envelopeCodec,
  RESOURCE_RECORD_SCHEMAS,
  RESOURCE_RECORD_TYPES,
  unroutedCodec,
} from './codecs.js';
export {
  ANSWER_SHAPE_QUESTIONS,
  EDGE_CASE_FIXTURES,
  FIXTURES,
  TRAFFIC_SHAPE_VARIANTS,
  type WebhookFixture,
} from './fixtures.js';
export type * from './generated/contract.js';
export {
  DEFAULT_TOPIC_PREFIX,
  ENTITY_ID_FIELD,
  entityIdOf,
  isResourceType,
  RESOURCE_TYPES,
  type ResourceType,
  SPECIAL_TOPICS,
  type SpecialTopic,
  type TopicKey,
  topicName,
} from './resource-types.js';
