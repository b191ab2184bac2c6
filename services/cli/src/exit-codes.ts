/** The exit codes of every `okendo-pipeline` command (README "Operator CLI" lists them). */
export const EXIT = {
  /** done */
  ok: 0,
  /** the operation failed: Okendo or the pipeline refused it, or a check it makes did not hold */
  failed: 1,
  /** bad command line or configuration: nothing was done */
  usage: 2,
  /** done in part: some items were skipped or refused (the summary says which); running it again resumes */
  incomplete: 3,
  /** a service the command needs did not answer (Okendo, the ingest, the sink, Kafka, ClickHouse) */
  unavailable: 4,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error a person can act on: printed as one line `okendo-pipeline: <message>`, then the exit code. */
export class CliError extends Error {
  override name = 'CliError';

  constructor(
    message: string,
    readonly exitCode: ExitCode = EXIT.failed,
  ) {
    super(message);
  }
}
