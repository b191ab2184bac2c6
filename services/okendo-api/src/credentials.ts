/**
 * Okendo API credentials: HTTP Basic with the Okendo user id and the API key. The key lives in a private field,
 * so `JSON.stringify`, `util.inspect` and `toString` of the credentials (or of a client holding them) never show it.
 */
import { inspect } from 'node:util';

export const DEFAULT_OKENDO_SOURCE = 'default';

/** The same rule as the ingest's source names (a source is one Okendo account). */
const SOURCE_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export class OkendoCredentials {
  readonly #apiKey: string;

  constructor(
    readonly userId: string,
    apiKey: string,
  ) {
    this.#apiKey = apiKey;
  }

  /** The `Authorization` header value; only the client's request code calls this. */
  authorization(): string {
    return `Basic ${Buffer.from(`${this.userId}:${this.#apiKey}`).toString('base64')}`;
  }

  /** Replaces any occurrence of the key (or its Basic encoding) in text bound for a message or a log. */
  redact(text: string): string {
    const encoded = this.authorization().slice('Basic '.length);
    return text.split(this.#apiKey).join('[redacted]').split(encoded).join('[redacted]');
  }

  toJSON(): { userId: string; apiKey: '[redacted]' } {
    return { userId: this.userId, apiKey: '[redacted]' };
  }

  toString(): string {
    return `OkendoCredentials(${this.userId})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

export type CredentialsResult =
  | { ok: true; credentials: OkendoCredentials }
  | { ok: false; problems: string[] };

/** The env keys of a source: OKENDO_USER_ID / OKENDO_API_KEY, or OKENDO_USER_ID_<SOURCE> for another account. */
export function credentialEnvKeys(source: string): { userId: string; apiKey: string } {
  if (source === DEFAULT_OKENDO_SOURCE) return { userId: 'OKENDO_USER_ID', apiKey: 'OKENDO_API_KEY' };
  const suffix = source.toUpperCase().replaceAll('-', '_');
  return { userId: `OKENDO_USER_ID_${suffix}`, apiKey: `OKENDO_API_KEY_${suffix}` };
}

/** Reads one source's credentials from the environment, with one message per bad key (never its value). */
export function readOkendoCredentials(
  env: NodeJS.ProcessEnv,
  source: string = DEFAULT_OKENDO_SOURCE,
): CredentialsResult {
  if (!SOURCE_NAME.test(source))
    return { ok: false, problems: [`source name ${JSON.stringify(source)} must match ${SOURCE_NAME}`] };
  const keys = credentialEnvKeys(source);
  return checkCredentials(env[keys.userId] ?? '', env[keys.apiKey] ?? '', keys);
}

/** Credentials per source from an object `{source: {userId, apiKey}}` (e.g. a config file), checked the same way. */
export function credentialsBySource(
  accounts: Readonly<Record<string, { userId: string; apiKey: string }>>,
): { ok: true; sources: ReadonlyMap<string, OkendoCredentials> } | { ok: false; problems: string[] } {
  const sources = new Map<string, OkendoCredentials>();
  const problems: string[] = [];
  for (const [source, account] of Object.entries(accounts)) {
    const read = SOURCE_NAME.test(source)
      ? checkCredentials(account.userId, account.apiKey, { userId: 'userId', apiKey: 'apiKey' })
      : { ok: false as const, problems: [`the name must match ${SOURCE_NAME}`] };
    if (read.ok) sources.set(source, read.credentials);
    else problems.push(...read.problems.map((problem) => `source ${JSON.stringify(source)}: ${problem}`));
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, sources };
}

function checkCredentials(
  rawUserId: string,
  rawApiKey: string,
  names: { userId: string; apiKey: string },
): CredentialsResult {
  const userId = rawUserId.trim();
  const apiKey = rawApiKey.trim();
  const problems: string[] = [];
  if (userId === '') problems.push(`${names.userId}: required (the Okendo user id, a UUID)`);
  else if (userId.includes(':')) problems.push(`${names.userId}: must not contain ':'`);
  if (apiKey === '') problems.push(`${names.apiKey}: required (the Okendo API key)`);
  else if (/[\s:]/.test(apiKey)) problems.push(`${names.apiKey}: must not contain spaces or ':'`);
  return problems.length > 0
    ? { ok: false, problems }
    : { ok: true, credentials: new OkendoCredentials(userId, apiKey) };
}
