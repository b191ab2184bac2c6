/**
 * The replay run without servers: an in-memory source (pages after a cursor, as the warehouse sources page)
 * and a stand-in publisher. Checkpoints after each acknowledged page only, resumes after the last one, refuses
 * another replay's checkpoint, halves pages on a too-large result; and the command-line parsers.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from '@commander-js/extra-typings';
import type { WebhookEnvelope } from '@okendo/schemas';
import { UsageError } from '@okendo/sink';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliError } from '../../services/cli/src/exit-codes.js';
import type { EnvelopePublisher } from '../../services/cli/src/kafka/envelope-publisher.js';
import type { Progress } from '../../services/cli/src/output.js';
import { readCheckpoint } from '../../services/cli/src/replay/checkpoint.js';
import {
  collectResourceType,
  dateOption,
  rateOption,
  replayFilter,
} from '../../services/cli/src/replay/replay-options.js';
import type { Cursor, ReplayFilter, ReplaySource } from '../../services/cli/src/replay/replay-source.js';
import { runReplay } from '../../services/cli/src/replay/run-replay.js';

const FILTER: ReplayFilter = { resourceTypes: [], sources: [], messageIds: [] };
const NO_PROGRESS = (): Progress => ({ increment() {}, setTotal() {}, stop() {} });

function envelope(id: number): WebhookEnvelope {
  return {
    messageId: `m${String(id).padStart(3, '0')}`,
    senderTimestamp: 1n,
    receivedAtMs: 1_000n,
    source: 'default',
    resourceType: id % 2 === 0 ? 'review' : 'quiz_response',
    topic: 'update',
    sequenceNumber: BigInt(id),
    version: '',
    subscriberId: null,
    entityId: `e${id}`,
    rawBody: Buffer.from('{}'),
  };
}

/** `rows` rows keyed m000..; row 7 is left out ("odd row"); a page above `maxPage` rows is "too large". */
function memorySource(rows: number, maxPage = Number.POSITIVE_INFINITY): ReplaySource & { sizes: number[] } {
  const all = Array.from({ length: rows }, (_, i) => envelope(i));
  const sizes: number[] = [];
  return {
    table: 'memory',
    sizes,
    isCursor: (value): value is Cursor => typeof (value as Cursor | null)?.['message_id'] === 'string',
    count: async (cursor) => all.filter((e) => e.messageId > (cursor?.['message_id'] ?? '')).length,
    async page(cursor, size) {
      sizes.push(size);
      if (size > maxPage)
        throw Object.assign(new Error('result_too_large: add a LIMIT'), { code: 'result_too_large' });
      const rest = all.filter((e) => e.messageId > (cursor?.['message_id'] ?? '')).slice(0, size);
      const last = rest[rest.length - 1];
      if (last === undefined) return undefined;
      return {
        read: rest.length,
        envelopes: rest.filter((e) => e.messageId !== 'm007'),
        skipped: rest.some((e) => e.messageId === 'm007') ? { 'odd row': 1 } : {},
        cursor: { message_id: last.messageId },
      };
    },
  };
}

function publisher(failOnCall?: number): EnvelopePublisher & { sent: string[] } {
  const sent: string[] = [];
  let calls = 0;
  return {
    sent,
    get published() {
      return sent.length;
    },
    async publish(envelopes) {
      calls++;
      if (calls === failOnCall) throw new Error('broker gone');
      sent.push(...envelopes.map((e) => e.messageId));
    },
    close: async () => {},
  };
}

describe('runReplay', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'replay-unit-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const run = (source: ReplaySource, extra: Partial<Parameters<typeof runReplay>[0]> = {}) =>
    runReplay({
      from: 'events',
      database: 'db',
      filter: FILTER,
      source,
      pageSize: 4,
      progress: NO_PROGRESS,
      ...extra,
    });

  it('publishes every page, counts per type and reason, and checkpoints the end', async () => {
    const out = publisher();
    const checkpointPath = join(dir, 'cp.json');
    const summary = await run(memorySource(10), { publisher: out, checkpointPath });
    expect(out.sent).toHaveLength(9);
    expect(summary).toMatchObject({
      published: 9,
      publishedThisRun: 9,
      pages: 3,
      read: 10,
      byType: { review: 5, quiz_response: 4 },
      skipped: { 'odd row': 1 },
      complete: true,
    });
    expect(JSON.parse(await readFile(checkpointPath, 'utf8'))).toMatchObject({
      done: true,
      published: 9,
      cursor: { message_id: 'm009' },
    });
    expect((await stat(checkpointPath)).mode & 0o777).toBe(0o600);
  });

  it('resumes after the last acknowledged page when a publish failed; a finished checkpoint publishes nothing', async () => {
    const checkpointPath = join(dir, 'cp.json');
    const source = memorySource(10);
    await expect(run(source, { publisher: publisher(3), checkpointPath })).rejects.toThrow('broker gone');
    expect(JSON.parse(await readFile(checkpointPath, 'utf8'))).toMatchObject({
      done: false,
      published: 7,
      cursor: { message_id: 'm007' },
    });
    const second = publisher();
    const summary = await run(source, { publisher: second, checkpointPath });
    expect(second.sent).toEqual(['m008', 'm009']);
    expect(summary).toMatchObject({ resumed: true, published: 9, publishedThisRun: 2, complete: true });
    const third = publisher();
    expect(await run(source, { publisher: third, checkpointPath })).toMatchObject({
      alreadyComplete: true,
      publishedThisRun: 0,
    });
    expect(third.sent).toEqual([]);
  });

  it("refuses another replay's checkpoint and a file that is not one", async () => {
    const checkpointPath = join(dir, 'cp.json');
    await run(memorySource(3), { publisher: publisher(), checkpointPath });
    const other = run(memorySource(3), {
      publisher: publisher(),
      checkpointPath,
      filter: { ...FILTER, sources: ['shop-b'] },
    });
    await expect(other).rejects.toThrow(/belongs to another replay/);
    await expect(other).rejects.toBeInstanceOf(CliError);
    await writeFile(checkpointPath, '{"version": 1}');
    await expect(readCheckpoint(checkpointPath, memorySource(1))).rejects.toThrow(/not a replay checkpoint/);
    expect(await readCheckpoint(join(dir, 'absent.json'), memorySource(1))).toBeUndefined();
  });

  it('halves the page while a result is too large, and keeps the smaller size', async () => {
    const source = memorySource(10, 3);
    const out = publisher();
    const summary = await run(source, { publisher: out, pageSize: 16 });
    expect(out.sent).toHaveLength(9);
    expect(source.sizes.slice(0, 4)).toEqual([16, 8, 4, 2]);
    expect(new Set(source.sizes.slice(3))).toEqual(new Set([2]));
    expect(summary.pageSize).toBe(2);
  });

  it('a dry run publishes nothing and writes no checkpoint', async () => {
    const checkpointPath = join(dir, 'cp.json');
    const summary = await run(memorySource(10), { checkpointPath });
    expect(summary).toMatchObject({ dryRun: true, published: 9, byType: { review: 5, quiz_response: 4 } });
    await expect(stat(checkpointPath)).rejects.toThrow();
  });

  it('stops after the page in flight when asked, resumable', async () => {
    const checkpointPath = join(dir, 'cp.json');
    let pages = 0;
    const out = publisher();
    const summary = await run(memorySource(10), {
      publisher: {
        ...out,
        publish: async (e) => {
          pages++;
          await out.publish(e);
        },
      },
      checkpointPath,
      stopRequested: () => pages >= 1,
    });
    expect(summary).toMatchObject({ complete: false, published: 4 });
    expect(JSON.parse(await readFile(checkpointPath, 'utf8'))).toMatchObject({ done: false, published: 4 });
  });
});

describe('replay options', () => {
  it('takes rates as N/s or N, and refuses the rest', () => {
    expect(rateOption('200/s')).toBe(200);
    expect(rateOption('0.5')).toBe(0.5);
    for (const bad of ['0', '-1/s', 'fast', '2/m', ''])
      expect(() => rateOption(bad)).toThrow(InvalidArgumentError);
  });

  it('checks resource types and dates', () => {
    expect(collectResourceType('review,quiz_response', [])).toEqual(['review', 'quiz_response']);
    expect(() => collectResourceType('reviews', [])).toThrow(/unknown reviews/);
    expect(dateOption('2026-11-30')).toBe(Date.parse('2026-11-30T00:00:00Z'));
    expect(dateOption('2026-11-30T12:00:00.250Z')).toBe(Date.parse('2026-11-30T12:00:00.250Z'));
    expect(() => dateOption('2026-11-30T12:00')).toThrow(InvalidArgumentError);
  });

  it('builds one filter shape whatever the order of the values, and refuses an empty range', () => {
    const a = replayFilter({
      resourceType: ['review', 'quiz_response'],
      source: ['b', 'a'],
      messageId: ['2', '1', '2'],
    });
    const b = replayFilter({
      resourceType: ['quiz_response', 'review'],
      source: ['a', 'b'],
      messageId: ['1', '2'],
    });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(() => replayFilter({ resourceType: [], source: [], messageId: [], since: 5, until: 5 })).toThrow(
      UsageError,
    );
  });
});
