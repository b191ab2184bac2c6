/**
 * The secret `send-test` signs with: the source's first secret the ingest accepts now. The default source's
 * come from OKENDO_WEBHOOK_SECRETS when it is set (as the ingest reads them), else every source's from the
 * secrets file (OKENDO_WEBHOOK_SOURCES_FILE, or .local/webhook-sources.json where `subscriptions create`
 * writes without it). Messages name the source and where it looked, never a secret.
 */
import {
  DEFAULT_WEBHOOK_SOURCES_FILE,
  readWebhookSourcesFile,
  secretIsValidAt,
  secretLabel,
  signingSecretProblem,
} from '@okendo/common';
import { CliError, EXIT } from '../exit-codes.js';

export interface SigningSecret {
  secret: string;
  /** its name in messages: the label, or `OKENDO_WEBHOOK_SECRETS #1` */
  label: string;
}

export async function resolveSigningSecret(
  env: NodeJS.ProcessEnv,
  source: string,
  nowMs: number = Date.now(),
): Promise<SigningSecret> {
  const fromEnv = env['OKENDO_WEBHOOK_SECRETS'];
  if (source === 'default' && fromEnv !== undefined && fromEnv.trim() !== '') {
    const first = fromEnv
      .split(',')
      .map((s) => s.trim())
      .find((s) => s !== '');
    const problem = first === undefined ? 'is empty' : signingSecretProblem(first);
    if (first === undefined || problem !== undefined)
      throw new CliError(`OKENDO_WEBHOOK_SECRETS: secret #1 ${problem}`, EXIT.usage);
    return { secret: first, label: 'OKENDO_WEBHOOK_SECRETS #1' };
  }
  const path = env['OKENDO_WEBHOOK_SOURCES_FILE']?.trim() || DEFAULT_WEBHOOK_SOURCES_FILE;
  let sources: Awaited<ReturnType<typeof readWebhookSourcesFile>>;
  try {
    sources = await readWebhookSourcesFile(path);
  } catch (error) {
    throw new CliError(`cannot read the secrets file: ${(error as Error).message}`, EXIT.usage);
  }
  const entries = sources[source];
  if (entries === undefined || entries.length === 0)
    throw new CliError(
      `no secret for source ${source} in ${path}${source === 'default' ? ' (and OKENDO_WEBHOOK_SECRETS is not set)' : ''}`,
      EXIT.usage,
    );
  const index = entries.findIndex((entry) => secretIsValidAt(entry, nowMs));
  const entry = entries[index];
  if (entry === undefined)
    throw new CliError(`every secret of source ${source} in ${path} is past its notAfter`, EXIT.usage);
  return { secret: entry.secret, label: secretLabel(entry, index) };
}
