export { ConfigError } from '@okendo/common';
export { buildIngestApp, type IngestAppOptions } from './app.js';
export { DEFAULT_SOURCE, describeConfig, type IngestConfig, loadIngestConfig } from './config.js';
export { errorBody, INGEST_ERRORS, type IngestErrorCode } from './http-errors.js';
export { checkEnvelopeLayout, writeEnvelope } from './publishing/envelope-writer.js';
export {
  createIdempotentProducer,
  KafkaPublisher,
  type OutgoingMessage,
  PublishError,
  type PublisherClients,
  type PublisherOptions,
} from './publishing/kafka-publisher.js';
export { KeyPartitioner, murmur2, murmur2OfKey } from './publishing/key-partitioner.js';
export {
  BodyLimitError,
  checkBodyLimitFits,
  ENVELOPE_OVERHEAD_BYTES,
  soloBatchBytes,
} from './publishing/message-size.js';
export { RecentMessageIds } from './publishing/recent-message-ids.js';
export { publishedTopics, readMaxMessageBytesWith } from './publishing/topic-admin.js';
export { type RoutedDelivery, routeDelivery } from './routing/route-delivery.js';
export {
  type ReloadResult,
  type ReloadTrigger,
  SecretsFileReloader,
  type SecretsFileReloaderOptions,
} from './secrets/secrets-file-reloader.js';
export {
  type CombinedSources,
  combineSources,
  describeSourceKeys,
  SigningKeyStore,
  type SourceKeys,
} from './secrets/signing-key-store.js';
export { type RunningIngest, startIngest } from './server.js';
export { type VerificationResult, verifySignature } from './signature/verify-signature.js';
export { parseSigningSecret, type SigningKey, signingKeysOf } from './signature/webhook-secrets.js';
