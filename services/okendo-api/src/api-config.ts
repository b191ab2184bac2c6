/** What a command needs to reach one Okendo account: its credentials and the API's base URL. */
import { DEFAULT_OKENDO_SOURCE, type OkendoCredentials, readOkendoCredentials } from './credentials.js';
import { OKENDO_API_BASE_URL } from './subscription-types.js';

export interface OkendoApiConfig {
  credentials: OkendoCredentials;
  /** OKENDO_API_URL (a local fake, a proxy), else Okendo's documented URL. */
  baseUrl: string;
  /**
   * OKENDO_API_REQUESTS_PER_SECOND: the client's own request rate, for an account Okendo granted a higher limit
   * (or a local fake started with one); unset keeps the client's default, just under Okendo's 2 requests/s.
   */
  requestsPerSecond?: number;
}

export function readOkendoApiConfig(
  env: NodeJS.ProcessEnv,
  source: string = DEFAULT_OKENDO_SOURCE,
): { ok: true; config: OkendoApiConfig } | { ok: false; problems: string[] } {
  const read = readOkendoCredentials(env, source);
  const problems = read.ok ? [] : [...read.problems];
  const baseUrl = env['OKENDO_API_URL']?.trim() || OKENDO_API_BASE_URL;
  const urlProblem = checkBaseUrl(baseUrl);
  if (urlProblem !== undefined) problems.push(`OKENDO_API_URL: ${urlProblem}`);
  const rateText = env['OKENDO_API_REQUESTS_PER_SECOND']?.trim() || undefined;
  const requestsPerSecond = rateText === undefined ? undefined : Number(rateText);
  if (requestsPerSecond !== undefined && !(requestsPerSecond > 0 && requestsPerSecond <= 1_000))
    problems.push(
      'OKENDO_API_REQUESTS_PER_SECOND: expected a number of requests a second, above 0 and at most 1000',
    );
  return read.ok && problems.length === 0
    ? {
        ok: true,
        config: Object.freeze({
          credentials: read.credentials,
          baseUrl,
          ...(requestsPerSecond === undefined ? {} : { requestsPerSecond }),
        }),
      }
    : { ok: false, problems };
}

function checkBaseUrl(text: string): string | undefined {
  if (!URL.canParse(text)) return 'expected an http(s) URL (the value is not shown: it may hold a key)';
  const url = new URL(text);
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return `expected http or https, got ${url.protocol}`;
  if (url.username || url.password) return 'must not hold credentials (use OKENDO_USER_ID / OKENDO_API_KEY)';
  return undefined;
}
