/** `npm run topics`: creates the pipeline's topics on KAFKA_BROKERS (prefix KAFKA_TOPIC_PREFIX, default okendo.). */
import { DEFAULT_TOPIC_PREFIX } from '@okendo/schemas';
import { Kafka, logLevel } from 'kafkajs';
import { ensureTopicsWith } from './topics.js';

const brokers = process.env['KAFKA_BROKERS']?.trim();
if (!brokers) {
  console.error(
    'KAFKA_BROKERS is not set: give the brokers as host:port[,host:port] (npm run infra:up prints it)',
  );
  process.exit(2);
}
const prefix = process.env['KAFKA_TOPIC_PREFIX'] ?? DEFAULT_TOPIC_PREFIX;
const kafka = new Kafka({ clientId: 'okendo-topics', brokers: brokers.split(','), logLevel: logLevel.WARN });
try {
  const report = await ensureTopicsWith(kafka, { prefix });
  for (const name of report.created) console.log(`created  ${name}`);
  for (const name of report.existing) console.log(`exists   ${name}`);
  for (const name of report.underPartitioned)
    console.warn(`warning: ${name} has fewer partitions than declared`);
} catch (error) {
  console.error(`could not create topics on ${brokers}: ${(error as Error).message}`);
  process.exitCode = 1;
}
