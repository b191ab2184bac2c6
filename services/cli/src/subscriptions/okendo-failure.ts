/** What an Okendo API error means for a command's exit code (exit-codes.ts). */
import type { OkendoApiError, Result } from '@okendo/okendo-api';
import { CliError, EXIT, type ExitCode } from '../exit-codes.js';

/** Okendo said no (401, 403, 404, 422, an answer we cannot read): 1. Okendo did not answer usefully: 4. */
export function exitCodeOf(error: OkendoApiError): ExitCode {
  switch (error.code) {
    case 'network_error':
    case 'server_error':
    case 'rate_limited':
      return EXIT.unavailable;
    default:
      return EXIT.failed;
  }
}

/** The client's message never holds the API key or a secret (okendo-api redacts them). */
export function okendoFailure(error: OkendoApiError, doing: string): CliError {
  return new CliError(`${doing}: ${error.message}`, exitCodeOf(error));
}

/** The value, or the failure as a CliError. */
export function orFail<T>(result: Result<T>, doing: string): T {
  if (!result.ok) throw okendoFailure(result.error, doing);
  return result.value;
}
