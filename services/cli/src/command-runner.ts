/**
 * One command's whole run: the output mode from the global --json, the lazily built context, the body, and the
 * mapping of what went wrong onto one stderr line and an exit code (exit-codes.ts). Nothing is printed with a
 * stack trace: a CliError carries its own message, a configuration error names its keys.
 */
import { ConfigError } from '@okendo/common';
import { type CliContext, createContext } from './context.js';
import { CliError, EXIT, type ExitCode } from './exit-codes.js';
import { createOutput } from './output.js';

export type CommandBody = (context: CliContext) => Promise<ExitCode | undefined>;

/** ClickHouse and kafkajs messages may span lines: the reason stays one line. */
export const oneLine = (text: string): string => text.replace(/\s*[\r\n]+\s*/g, ' ').trim();

/** `command` is the commander Command whose action runs (the last argument commander passes to it). */
export async function runCommand(
  command: { optsWithGlobals(): object },
  body: CommandBody,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const globals = command.optsWithGlobals() as { json?: boolean };
  const output = createOutput(globals.json === true);
  const context = createContext(env, output);
  let code: ExitCode = EXIT.ok;
  try {
    code = (await body(context)) ?? EXIT.ok;
  } catch (error) {
    code = reportError(error);
  } finally {
    await context.close();
  }
  process.exitCode = code;
}

export function reportError(error: unknown): ExitCode {
  if (error instanceof CliError) {
    process.stderr.write(`okendo-pipeline: ${oneLine(error.message)}\n`);
    return error.exitCode;
  }
  if (error instanceof ConfigError) {
    process.stderr.write(`okendo-pipeline: ${oneLine(error.message)}\n`);
    return EXIT.usage;
  }
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  process.stderr.write(`okendo-pipeline: ${oneLine(message)}\n`);
  return EXIT.failed;
}
