/**
 * `okendo-pipeline lag`: the sink group's lag per topic-partition, in messages and seconds, with a stuck flag
 * (lag/stuck-partitions.ts). The figures come from the same function as the sink's lag gauges
 * (@okendo/sink measureGroupLag). Exit 1 when a partition is stuck (one reading), 0 otherwise.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type Command, Option } from '@commander-js/extra-typings';
import { RESOURCE_TYPES, SPECIAL_TOPICS, topicName } from '@okendo/schemas';
import { measureGroupLag, probeMessageTimestamps } from '@okendo/sink';
import type { Admin } from 'kafkajs';
import { oneLine, runCommand } from '../command-runner.js';
import type { CliContext } from '../context.js';
import { durationOption } from '../durations.js';
import { CliError, EXIT, type ExitCode } from '../exit-codes.js';
import { lagTable } from '../lag/lag-table.js';
import { StuckTracker } from '../lag/stuck-partitions.js';

interface LagOptions {
  watch?: true;
  interval: number;
  stuckAfter: number;
}

const unavailable = (what: string, error: unknown): CliError =>
  new CliError(
    `Kafka: ${what} (${oneLine(error instanceof Error ? error.message : String(error))})`,
    EXIT.unavailable,
  );

/** The topics the sink consumes that exist on the cluster. */
async function sinkTopics(admin: Admin, prefix: string): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const topics = [...RESOURCE_TYPES, ...SPECIAL_TOPICS]
    .map((key) => topicName(key, prefix))
    .filter((t) => existing.has(t));
  if (topics.length === 0)
    throw new CliError(`no pipeline topics with prefix "${prefix}" on the cluster`, EXIT.failed);
  return topics;
}

async function lag(context: CliContext, options: LagOptions): Promise<ExitCode> {
  const kafka = context.kafka();
  const groupId = context.sinkGroupId();
  const prefix = context.topicPrefix();
  const admin = kafka.admin();
  try {
    await admin.connect();
  } catch (error) {
    throw unavailable('cannot connect', error);
  }
  context.onClose(() => admin.disconnect());
  const topics = await sinkTopics(admin, prefix).catch((error: unknown) => {
    throw error instanceof CliError ? error : unavailable('cannot list topics', error);
  });
  const readTimestamps = probeMessageTimestamps(kafka, { timeoutMs: 15_000 });
  const tracker = new StuckTracker(options.stuckAfter);
  let stopping = false;
  const stop = new AbortController();
  const onSignal = () => {
    stopping = true;
    stop.abort();
  };
  if (options.watch) process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  let anyStuck = false;
  try {
    do {
      const readings = await measureGroupLag({ admin, groupId, topics, readTimestamps }).catch(
        (error: unknown) => {
          throw unavailable(`cannot read group ${groupId}'s offsets`, error);
        },
      );
      const now = Date.now();
      const rows = tracker.assess(readings, now);
      anyStuck = rows.some((row) => row.stuck);
      if (rows.every((row) => row.committedOffset === null))
        context.output.warn(
          `group ${groupId} has committed no offset on these topics (is SINK_GROUP_ID right?)`,
        );
      context.output.result(rows, () => lagTable(groupId, rows, now));
      if (options.watch && !stopping)
        await sleep(options.interval, undefined, { signal: stop.signal }).catch(() => {});
    } while (options.watch && !stopping);
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }
  return anyStuck && !options.watch ? EXIT.failed : EXIT.ok;
}

export function registerLag(program: Command): void {
  program
    .command('lag')
    .description(
      "The sink's consumer lag (group SINK_GROUP_ID) per topic-partition: committed and end offsets, messages behind, age of the oldest unconsumed message, stuck flag",
    )
    .option('--watch', 'measure again every --interval until interrupted')
    .addOption(
      new Option('--interval <duration>', 'time between readings with --watch, e.g. 10s')
        .argParser(durationOption({ minMs: 500 }))
        .default(5_000, '5s'),
    )
    .addOption(
      new Option(
        '--stuck-after <duration>',
        'flag a partition as stuck when its oldest unconsumed message is older than this, or (with --watch) its committed offset has not moved for this long while messages wait',
      )
        .argParser(durationOption({ minMs: 1_000 }))
        .default(300_000, '5m'),
    )
    .action((options, command) => runCommand(command, (context) => lag(context, options as LagOptions)));
}
