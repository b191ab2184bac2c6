/**
 * `backfill reviews|survey-responses`: Okendo's current objects from its REST API, published as snapshot
 * events (sequenceNumber 0, backfill/snapshot-envelope.ts) through Kafka so the running sink applies them below
 * every webhook version. Resumable from a checkpoint written after each acknowledged page.
 */
import type { Command } from '@commander-js/extra-typings';
import type { OkendoApiError, OkendoClient, ReviewStatus } from '@okendo/okendo-api';
import { type BackfillCheckpoint, defaultCheckpointPath } from '../backfill/checkpoint.js';
import { collectIds, parsePageSize, parseRate, parseStatuses } from '../backfill/options.js';
import { openBackfillPublisher, publishOrUnavailable } from '../backfill/publisher.js';
import { type BackfillPass, type BackfillSummary, runBackfill } from '../backfill/run-backfill.js';
import { runCommand } from '../command-runner.js';
import type { CliContext } from '../context.js';
import { CliError, EXIT, type ExitCode } from '../exit-codes.js';
import { table } from '../output.js';

interface CommonOptions {
  source: string;
  checkpoint?: string;
  rate?: number;
  pageSize: number;
}

const ORDER = 'date asc' as const;

export function reviewPasses(
  client: OkendoClient,
  statuses: readonly ReviewStatus[],
  limit: number,
): BackfillPass[] {
  return statuses.map((status) => ({
    pass: `status:${status}`,
    async *pages(cursor) {
      const options = {
        status,
        limit,
        orderBy: ORDER,
        ...(cursor === undefined ? {} : { lastEvaluated: cursor }),
      };
      for await (const page of client.reviewPages(options)) {
        if (!page.ok) return yield page;
        const { reviews, lastEvaluated } = page.value;
        yield { ok: true, value: { items: reviews, ...(lastEvaluated ? { lastEvaluated } : {}) } };
      }
    },
  }));
}

function surveyPasses(client: OkendoClient, surveys: readonly string[], limit: number): BackfillPass[] {
  return surveys.map((surveyId) => ({
    pass: `survey:${surveyId}`,
    async *pages(cursor) {
      const options = { limit, orderBy: ORDER, ...(cursor === undefined ? {} : { lastEvaluated: cursor }) };
      for await (const page of client.surveyResponsePages(surveyId, options)) {
        if (!page.ok) return yield page;
        const { surveyResponses, lastEvaluated } = page.value;
        yield { ok: true, value: { items: surveyResponses, ...(lastEvaluated ? { lastEvaluated } : {}) } };
      }
    },
  }));
}

/** An Okendo failure's exit code: 4 when it may answer later, 1 when it refused. */
export function okendoExit(error: OkendoApiError): ExitCode {
  return error.retriable ? EXIT.unavailable : EXIT.failed;
}

async function execute(
  context: CliContext,
  kind: BackfillCheckpoint['kind'],
  options: CommonOptions,
  passes: (client: OkendoClient) => BackfillPass[],
): Promise<ExitCode> {
  const command = `backfill ${kind}`;
  const checkpointPath = options.checkpoint ?? defaultCheckpointPath(kind, options.source);
  const client = context.okendo(options.source);
  const resume = `run it again to resume from ${checkpointPath}`;
  let summary: BackfillSummary;
  // A run may be killed before its end: this row records that it started, the last row how it ended.
  await context.audit({
    command,
    target: options.source,
    outcome: 'incomplete',
    detail: `started (${checkpointPath})`,
  });
  try {
    const publisher = await openBackfillPublisher(context, options.rate);
    summary = await runBackfill({
      kind,
      resourceType: kind === 'reviews' ? 'review' : 'survey_response',
      source: options.source,
      passes: passes(client),
      checkpointPath,
      publish: publishOrUnavailable(publisher, resume),
      onPage: () => context.output.info(`${command}: ${publisher.published} published`),
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    // Kafka not answering leaves a checkpoint to resume from, like an Okendo outage.
    const resumable = error instanceof CliError && error.exitCode === EXIT.unavailable;
    await context.audit({
      command,
      target: options.source,
      outcome: resumable ? 'incomplete' : 'failed',
      detail: reason.slice(0, 300),
    });
    throw error;
  }
  const perPass = summary.passes.map((p) => `${p.pass} ${p.published}`).join(', ');
  const rate = summary.seconds > 0 ? summary.publishedThisRun / summary.seconds : 0;
  await context.audit({
    command,
    target: options.source,
    outcome: summary.complete ? 'ok' : summary.error?.retriable ? 'incomplete' : 'failed',
    detail:
      `published ${summary.published} (${perPass}); this run ${summary.publishedThisRun}` +
      `${summary.resumed ? ', resumed from a checkpoint' : ''}` +
      `${summary.error ? `; stopped: ${summary.error.code} ${summary.error.status ?? ''}` : ''}`,
  });
  context.output.result(
    {
      kind,
      source: options.source,
      complete: summary.complete,
      resumed: summary.resumed,
      published: summary.published,
      publishedThisRun: summary.publishedThisRun,
      skipped: summary.skipped,
      seconds: Number(summary.seconds.toFixed(3)),
      perSecond: Number(rate.toFixed(1)),
      passes: summary.passes,
      checkpoint: summary.complete ? null : checkpointPath,
      ...(summary.error ? { error: { code: summary.error.code, message: summary.error.message } } : {}),
    },
    () =>
      [
        table(
          ['pass', 'published', 'skipped', 'done'],
          summary.passes.map((p) => [p.pass, String(p.published), String(p.skipped), p.done ? 'yes' : 'no']),
        ),
        `${summary.publishedThisRun} published in ${summary.seconds.toFixed(1)} s (${rate.toFixed(1)}/s)` +
          `${summary.resumed ? ', resumed from a checkpoint' : ''}; the sink applies them below any webhook version`,
      ].join('\n'),
  );
  if (summary.error) {
    const { message, retriable } = summary.error;
    throw new CliError(retriable ? `${message}; ${resume}` : message, okendoExit(summary.error));
  }
  return EXIT.ok;
}

const SOURCE_HELP = 'the Okendo account (OKENDO_USER_ID_<SOURCE>...) and pipeline source';
const CHECKPOINT_HELP =
  'progress file, resumed when it exists (default .local/backfill/<kind>-<source>.json)';

/** One kind of backfill, with the options every kind takes (its own are added by the caller). */
function backfillKind(backfill: Command, kind: BackfillCheckpoint['kind'], description: string) {
  return backfill
    .command(kind)
    .description(description)
    .option('--source <name>', SOURCE_HELP, 'default')
    .option('--checkpoint <file>', CHECKPOINT_HELP)
    .option('--rate <n/s>', 'publish at most this many objects a second', parseRate)
    .option('--page-size <n>', 'objects per Okendo page, 1-100', parsePageSize, 100);
}

export function registerBackfill(program: Command): void {
  const backfill = program
    .command('backfill')
    .description(
      "Load Okendo's current reviews or survey responses from its REST API through Kafka; the sink applies " +
        'them as snapshots (sequence number 0) that never replace a webhook version',
    );
  backfillKind(
    backfill,
    'reviews',
    'every review of the given moderation statuses, one pass per status, oldest first',
  )
    .option(
      '--status <list>',
      'statuses, comma-separated',
      parseStatuses,
      parseStatuses('approved,pending,rejected'),
    )
    .action(async (options, command) =>
      runCommand(command, (context) =>
        execute(context, 'reviews', options, (client) =>
          reviewPasses(client, options.status, options.pageSize),
        ),
      ),
    );

  backfillKind(
    backfill,
    'survey-responses',
    "every response of the named surveys (Okendo's API lists no surveys: name each one)",
  )
    .option(
      '--survey <id>',
      'a survey id (repeat, or comma-separate); at least one',
      collectIds,
      [] as string[],
    )
    .action(async (options, command) =>
      runCommand(command, (context) =>
        options.survey.length === 0
          ? Promise.reject(new CliError('name at least one survey: --survey <id>', EXIT.usage))
          : execute(context, 'survey-responses', options, (client) =>
              surveyPasses(client, options.survey, options.pageSize),
            ),
      ),
    );
}
