/**
 * The replay command line turned into a filter: repeated or comma-separated lists, resource types checked
 * against the contract, dates as the sink's rebuild takes them, `--rate 500/s`. Each parser throws
 * commander's InvalidArgumentError, so a bad value is a usage error naming its option.
 */
import { InvalidArgumentError } from '@commander-js/extra-typings';
import { isResourceType, RESOURCE_TYPES, type ResourceType } from '@okendo/schemas';
import { parseIsoDate, UsageError } from '@okendo/sink';
import type { ReplayFrom } from './checkpoint.js';
import type { ReplayFilter } from './replay-source.js';

export const REPLAY_FROM: readonly ReplayFrom[] = ['events', 'dead-letters', 'unrouted'];

export function parseFrom(text: string): ReplayFrom {
  const from = REPLAY_FROM.find((f) => f === text);
  if (from === undefined) throw new InvalidArgumentError(`expected one of ${REPLAY_FROM.join(', ')}`);
  return from;
}

/** A repeatable option whose values may also be comma-separated. */
export function collect(value: string, previous: readonly string[]): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== ''),
  ];
}

export function collectResourceType(value: string, previous: readonly ResourceType[]): ResourceType[] {
  const named = collect(value, []);
  const unknown = named.filter((t) => !isResourceType(t));
  if (unknown.length > 0)
    throw new InvalidArgumentError(`unknown ${unknown.join(', ')} (known: ${RESOURCE_TYPES.join(', ')})`);
  return [...previous, ...named.filter(isResourceType)];
}

/** An ISO date or date-time with a zone, as `npm run rebuild` takes it -> epoch ms. */
export function dateOption(text: string): number {
  try {
    return parseIsoDate('date', text);
  } catch (error) {
    if (error instanceof UsageError) throw new InvalidArgumentError(error.message.replace(/^date: /, ''));
    throw error;
  }
}

/** `500/s` or `500`: messages per second, 1 to 1,000,000 (fractions allowed: `0.5/s`). */
export function rateOption(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(?:\/s)?$/.exec(text.trim());
  const rate = Number(match?.[1]);
  if (match === null || !Number.isFinite(rate) || rate <= 0 || rate > 1_000_000)
    throw new InvalidArgumentError(`expected messages per second, e.g. 200/s; got ${JSON.stringify(text)}`);
  return rate;
}

export function pageSizeOption(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 100_000)
    throw new InvalidArgumentError(`expected a whole number from 1 to 100000, got ${JSON.stringify(text)}`);
  return n;
}

export interface FilterOptions {
  resourceType: readonly ResourceType[];
  source: readonly string[];
  since?: number;
  until?: number;
  messageId: readonly string[];
}

/** The filter, in a fixed shape (the checkpoint compares it as JSON); sorted lists, so order does not matter. */
export function replayFilter(options: FilterOptions): ReplayFilter {
  if (options.since !== undefined && options.until !== undefined && options.since >= options.until)
    throw new UsageError('--since must be before --until');
  const sorted = <T extends string>(list: readonly T[]) => [...new Set(list)].sort();
  return {
    resourceTypes: sorted(options.resourceType),
    sources: sorted(options.source),
    ...(options.since === undefined ? {} : { sinceMs: options.since }),
    ...(options.until === undefined ? {} : { untilMs: options.until }),
    messageIds: sorted(options.messageId),
  };
}
