import { BatchAccumulator, type ConsumedMessage } from '@okendo/sink';
import { describe, expect, it } from 'vitest';

function messages(n: number, sizeBytes = 10, from = 0): ConsumedMessage[] {
  return Array.from({ length: n }, (_, i) => ({
    topic: 't.review',
    topicKey: 'review' as const,
    partition: 0,
    offset: String(from + i),
    key: null,
    value: Buffer.alloc(sizeBytes),
    sizeBytes,
  }));
}

/** A flush that records what it got and finishes when told to. */
function recordingFlush() {
  const flushes: ConsumedMessage[][] = [];
  const finish: Array<(error?: Error) => void> = [];
  const flush = (batch: ConsumedMessage[]) => {
    flushes.push(batch);
    return new Promise<void>((resolve, reject) => {
      finish.push((error) => (error === undefined ? resolve() : reject(error)));
    });
  };
  return { flushes, finish, flush };
}

const HOUR = 3_600_000;

describe('BatchAccumulator', () => {
  it('flushes as soon as the message limit is reached, with every waiting batch in one flush', async () => {
    const { flushes, finish, flush } = recordingFlush();
    const accumulator = new BatchAccumulator({ maxMessages: 5, maxBytes: 1_000_000, maxWaitMs: HOUR }, flush);
    const a = accumulator.add(messages(2));
    const b = accumulator.add(messages(3, 10, 2));
    expect(flushes.map((f) => f.length)).toEqual([5]);
    finish[0]?.();
    await Promise.all([a, b]);
  });

  it('flushes when the bytes limit is reached', async () => {
    const { flushes, finish, flush } = recordingFlush();
    const accumulator = new BatchAccumulator({ maxMessages: 1_000, maxBytes: 100, maxWaitMs: HOUR }, flush);
    const done = accumulator.add(messages(1, 100));
    expect(flushes).toHaveLength(1);
    finish[0]?.();
    await done;
  });

  it('below the limits, flushes once the first waiting message is maxWaitMs old', async () => {
    const { flushes, finish, flush } = recordingFlush();
    const accumulator = new BatchAccumulator(
      { maxMessages: 1_000, maxBytes: 1_000_000, maxWaitMs: 20 },
      flush,
    );
    const done = accumulator.add(messages(3));
    expect(flushes).toHaveLength(0);
    await expect.poll(() => flushes.length).toBe(1);
    finish[0]?.();
    await done;
  });

  it('runs one flush at a time; what arrives meanwhile goes into the next flush', async () => {
    const { flushes, finish, flush } = recordingFlush();
    const accumulator = new BatchAccumulator({ maxMessages: 2, maxBytes: 1_000_000, maxWaitMs: HOUR }, flush);
    const first = accumulator.add(messages(2));
    const second = accumulator.add(messages(2, 10, 2));
    expect(flushes).toHaveLength(1);
    finish[0]?.();
    await first;
    await expect.poll(() => flushes.length).toBe(2);
    expect(flushes[1]?.map((m) => m.offset)).toEqual(['2', '3']);
    finish[1]?.();
    await second;
  });

  it('a failed flush rejects every add it covered, and the accumulator keeps working', async () => {
    const { flushes, finish, flush } = recordingFlush();
    const accumulator = new BatchAccumulator({ maxMessages: 2, maxBytes: 1_000_000, maxWaitMs: HOUR }, flush);
    const a = accumulator.add(messages(1));
    const b = accumulator.add(messages(1, 10, 1));
    finish[0]?.(new Error('warehouse gone'));
    await expect(a).rejects.toThrow('warehouse gone');
    await expect(b).rejects.toThrow('warehouse gone');
    const c = accumulator.add(messages(2, 10, 2));
    await expect.poll(() => flushes.length).toBe(2);
    finish[1]?.();
    await c;
  });

  it('abort fails what is still waiting, without flushing it', async () => {
    const { flushes, flush } = recordingFlush();
    const accumulator = new BatchAccumulator(
      { maxMessages: 1_000, maxBytes: 1_000_000, maxWaitMs: HOUR },
      flush,
    );
    const waiting = accumulator.add(messages(3));
    accumulator.abort(new Error('sink stopping'));
    await expect(waiting).rejects.toThrow('sink stopping');
    expect(flushes).toHaveLength(0);
  });

  it('adding nothing resolves at once', async () => {
    const { flushes, flush } = recordingFlush();
    const accumulator = new BatchAccumulator({ maxMessages: 1, maxBytes: 1, maxWaitMs: HOUR }, flush);
    await accumulator.add([]);
    expect(flushes).toHaveLength(0);
  });

  describe('flushWhenCaughtUp', () => {
    const limits = { maxMessages: 1_000, maxBytes: 1_000_000, maxWaitMs: HOUR, flushWhenCaughtUp: true };
    const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

    it('flushes on the next turn when every waiting batch ended at its high watermark, all batches of that turn together', async () => {
      const { flushes, finish, flush } = recordingFlush();
      const accumulator = new BatchAccumulator(limits, flush);
      const a = accumulator.add(messages(2), { caughtUp: true });
      const b = accumulator.add(messages(3, 10, 2), { caughtUp: true });
      expect(flushes).toHaveLength(0);
      await nextTurn();
      expect(flushes.map((f) => f.length)).toEqual([5]);
      finish[0]?.();
      await Promise.all([a, b]);
    });

    it('waits for maxWaitMs when a batch has a backlog behind it (batches fill up under load)', async () => {
      const { flushes, flush } = recordingFlush();
      const accumulator = new BatchAccumulator(limits, flush);
      const waiting = [
        accumulator.add(messages(2), { caughtUp: true }),
        accumulator.add(messages(2, 10, 2), { caughtUp: false }),
      ];
      await nextTurn();
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(flushes).toHaveLength(0);
      accumulator.abort(new Error('done'));
      for (const add of waiting) await expect(add).rejects.toThrow('done');
    });

    it('is off unless asked for: a caught-up batch still waits maxWaitMs', async () => {
      const { flushes, flush } = recordingFlush();
      const accumulator = new BatchAccumulator({ ...limits, flushWhenCaughtUp: false }, flush);
      const waiting = accumulator.add(messages(2), { caughtUp: true });
      await nextTurn();
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(flushes).toHaveLength(0);
      accumulator.abort(new Error('done'));
      await expect(waiting).rejects.toThrow('done');
    });

    it('after a flush, the next caught-up batch flushes at once again', async () => {
      const { flushes, finish, flush } = recordingFlush();
      const accumulator = new BatchAccumulator(limits, flush);
      const first = accumulator.add(messages(1), { caughtUp: true });
      await nextTurn();
      finish[0]?.();
      await first;
      const second = accumulator.add(messages(1, 10, 1), { caughtUp: true });
      await nextTurn();
      expect(flushes).toHaveLength(2);
      finish[1]?.();
      await second;
    });
  });
});
