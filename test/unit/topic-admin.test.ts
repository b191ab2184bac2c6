/**
 * The ingest's start-up read of max.message.bytes against a fake kafkajs admin (no server): a broker that has
 * just started may time out a DescribeConfigs; that is retried, while a real refusal fails at once.
 */
import { readMaxMessageBytesWith } from '@okendo/ingest';
import type { Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';

function fakeKafka(answers: Array<Error | number>): { kafka: Kafka; calls: () => number } {
  let calls = 0;
  const admin = {
    connect: async () => undefined,
    disconnect: async () => undefined,
    describeConfigs: async ({ resources }: { resources: Array<{ name: string }> }) => {
      const answer = answers[Math.min(calls++, answers.length - 1)];
      if (answer instanceof Error) throw answer;
      return {
        resources: resources.map(({ name }) => ({
          errorCode: 0,
          resourceName: name,
          configEntries: [{ configName: 'max.message.bytes', configValue: String(answer) }],
        })),
      };
    },
  };
  return { kafka: { admin: () => admin } as unknown as Kafka, calls: () => calls };
}

const timeout = () => Object.assign(new Error('DescribeConfigs timed out'), { retriable: true });

describe('readMaxMessageBytesWith', () => {
  it('retries a retriable failure (a broker still starting) and returns the limits', async () => {
    const { kafka, calls } = fakeKafka([timeout(), timeout(), 2_000_000]);
    const limits = await readMaxMessageBytesWith(kafka, ['p.review'], 10_000);
    expect(limits.get('p.review')).toBe(2_000_000);
    expect(calls()).toBe(3);
  });

  it('fails at once on an error retrying cannot help', async () => {
    const { kafka, calls } = fakeKafka([new Error('not authorised to describe topic')]);
    await expect(readMaxMessageBytesWith(kafka, ['p.review'], 10_000)).rejects.toThrow(/not authorised/);
    expect(calls()).toBe(1);
  });

  it('gives up on retriable failures once the budget is spent', async () => {
    const { kafka } = fakeKafka([timeout()]);
    await expect(readMaxMessageBytesWith(kafka, ['p.review'], 600)).rejects.toThrow(/timed out/);
  });
});
