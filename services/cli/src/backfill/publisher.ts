/** The envelope publisher a backfill or reconcile run writes through, closed with the context. */
import type { CliContext } from '../context.js';
import { CliError, EXIT } from '../exit-codes.js';
import { type EnvelopePublisher, openEnvelopePublisher } from '../kafka/envelope-publisher.js';

export async function openBackfillPublisher(
  context: CliContext,
  ratePerSecond: number | undefined,
): Promise<EnvelopePublisher> {
  const kafka = context.kafka();
  const topicPrefix = context.topicPrefix();
  let publisher: EnvelopePublisher;
  try {
    publisher = await openEnvelopePublisher({
      kafka,
      topicPrefix,
      ...(ratePerSecond === undefined ? {} : { ratePerSecond }),
    });
  } catch (error) {
    throw new CliError(`Kafka did not answer: ${(error as Error).message}`, EXIT.unavailable);
  }
  context.onClose(() => publisher.close());
  return publisher;
}

/** Publishes, turning a broker failure into "Kafka did not answer" (exit 4). */
export function publishOrUnavailable(publisher: EnvelopePublisher, hint: string) {
  return async (envelopes: Parameters<EnvelopePublisher['publish']>[0]): Promise<void> => {
    try {
      await publisher.publish(envelopes);
    } catch (error) {
      throw new CliError(
        `Kafka refused or did not answer: ${(error as Error).message}; ${hint}`,
        EXIT.unavailable,
      );
    }
  };
}
