/**
 * `npm run topics`: creates the pipeline's topics (prefix KAFKA_TOPIC_PREFIX, default okendo.) on the
 * cluster of KAFKA_BROKERS, with the services' connection settings (KAFKA_SSL*, KAFKA_SASL_*) and durability
 * (KAFKA_REPLICATION_FACTOR, KAFKA_MIN_INSYNC_REPLICAS).
 */
import {
  ConfigError,
  createKafka,
  createServiceLogger,
  EnvReader,
  readKafkaConnection,
  readTopicDurability,
} from '@okendo/common';
import { DEFAULT_TOPIC_PREFIX } from '@okendo/schemas';
import { ensureTopicsWith } from './topics.js';

const read = new EnvReader(process.env);
const connection = readKafkaConnection(read);
const durability = readTopicDurability(read);
const prefix = read.string('KAFKA_TOPIC_PREFIX', DEFAULT_TOPIC_PREFIX, {
  test: /^[A-Za-z0-9._-]{0,200}$/,
  hint: 'letters, digits, dot, underscore and dash only',
});
const level = read.logLevel('warn');
try {
  read.finish();
} catch (error) {
  // npm run infra:up prints KAFKA_BROKERS=... for the local broker.
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(2);
}
const logger = createServiceLogger('okendo-topics', level, 2);
const kafka = createKafka(connection, { clientId: 'okendo-topics', logger });
try {
  const report = await ensureTopicsWith(kafka, { prefix, ...durability });
  const { replicationFactor, minInsyncReplicas, brokers } = report.durability;
  console.log(
    `cluster of ${brokers} broker(s): topics get replication factor ${replicationFactor}, min.insync.replicas ${minInsyncReplicas}`,
  );
  for (const name of report.created) console.log(`created  ${name}`);
  for (const name of report.existing) console.log(`exists   ${name}`);
  for (const name of report.underPartitioned)
    console.warn(`warning: ${name} has fewer partitions than declared`);
  for (const { topic, problem } of report.durabilityWarnings) console.warn(`warning: ${topic}: ${problem}`);
} catch (error) {
  console.error(`could not create topics on ${connection.brokers.join(',')}: ${(error as Error).message}`);
  process.exitCode = 1;
}
