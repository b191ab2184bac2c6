/**
 * The CLI's context as the console uses it: audit rows name the console's actor, Okendo calls give up sooner
 * than a terminal command's (a page should say "Okendo did not answer" within seconds), and what the CLI
 * bodies print is captured for the page instead of written to stdout.
 */
import { type CliContext, createContext, type Output } from '@okendo/cli';
import type { FastifyBaseLogger } from 'fastify';
import type { ConsoleConfig } from './config.js';

export function createCliContext(config: Readonly<ConsoleConfig>, actor: string, output: Output): CliContext {
  return createContext({ ...config.env, OKENDO_PIPELINE_ACTOR: actor }, output, {
    okendo: { requestTimeoutMs: config.okendoTimeoutMs, maxRetries: 1, retryBaseDelayMs: 200 },
    warehouseThroughSinkOnly: true,
  });
}

const NO_PROGRESS = { increment() {}, setTotal() {}, stop() {} };

/** Warnings and log lines go to the console's log; results are dropped. */
export function logOutput(log: FastifyBaseLogger): Output {
  return {
    json: true,
    result() {},
    info: (line) => log.debug(line),
    warn: (line) => log.warn(line),
    progress: () => NO_PROGRESS,
  };
}

/** What a CLI body reported: its result document (the --json one) and its warnings. */
export interface Captured {
  readonly output: Output;
  readonly results: unknown[];
  readonly warnings: string[];
}

export function captureOutput(log: FastifyBaseLogger): Captured {
  const results: unknown[] = [];
  const warnings: string[] = [];
  const output: Output = {
    ...logOutput(log),
    result: (data) => {
      results.push(data);
    },
    warn: (line) => {
      warnings.push(line);
      log.warn(line);
    },
  };
  return { output, results, warnings };
}
