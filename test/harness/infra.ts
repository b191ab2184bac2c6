import { inject } from 'vitest';
import type { ProvidedInfra } from './infra-context.js';

/** The infrastructure of this run (see global-setup.ts). */
export function runInfra(): ProvidedInfra {
  return inject('infra');
}

/**
 * A suite title that carries the skip reason, so a skipped integration suite says why in the report.
 * Use with `describe.skipIf(part === undefined)`.
 */
export function titleWithSkipReason(title: string, reason: string | undefined): string {
  return reason === undefined ? title : `${title} [skipped: ${reason}]`;
}
