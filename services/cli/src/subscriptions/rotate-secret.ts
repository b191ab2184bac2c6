/**
 * `subscriptions rotate-secret`: a new signing secret at Okendo, added to the secrets file, and the
 * subscription's earlier secrets retired by a `notAfter` (now + --overlap) that the ingest enforces by itself,
 * so nothing has to run when the overlap ends. Okendo signs with the old and the new secret for a while
 * after a rotation (Svix: 24 h), so deliveries already queued still verify during the overlap.
 */
import type { CliContext } from '../context.js';
import { formatDuration } from '../durations.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { audited } from './audited.js';
import { orFail } from './okendo-failure.js';
import { describeLocation, rotateSecrets, secretsFileLocation, withSecretsFile } from './secrets-file.js';

export interface RotateOptions {
  source: string;
  overlapMs: number;
  showSecret?: boolean;
  secretsFile?: string;
}

export async function rotateSubscriptionSecret(
  context: CliContext,
  id: string,
  options: RotateOptions,
): Promise<ExitCode> {
  const { source } = options;
  const { output } = context;
  const location = secretsFileLocation(options.secretsFile, context.env);
  const okendo = context.okendo(source);
  return audited(
    context,
    'subscriptions rotate-secret',
    () => `${source}/${id}`,
    () =>
      withSecretsFile(location, async (file) => {
        const { webhookSubscriptionSecret: secret } = orFail(
          await okendo.rotateSecret(id),
          `rotating the secret of ${id}`,
        );
        const now = Date.now();
        const rotated = rotateSecrets(file.sources, source, id, secret, now, options.overlapMs);
        const writeError = await file.write(rotated.sources).then(
          () => undefined,
          (error: unknown) => (error instanceof Error ? error.message : String(error)),
        );
        const overlap = formatDuration(options.overlapMs);
        output.result(
          {
            source,
            subscriptionId: id,
            secretLabel: rotated.label,
            retired: rotated.retired,
            dropped: rotated.dropped,
            overlap,
            secretsFile: location.path,
            secretsFileFrom: location.from,
            secretWritten: writeError === undefined,
            ...(options.showSecret ? { secret } : {}),
          },
          () =>
            [
              `rotated the secret of ${id}: new secret ${rotated.label} in ${describeLocation(location)}`,
              ...rotated.retired.map(
                (entry) => `  ${entry.label} is accepted until ${entry.notAfter}, then refused`,
              ),
              ...(rotated.dropped.length > 0
                ? [`  removed secrets past their notAfter: ${rotated.dropped.join(', ')}`]
                : []),
              options.showSecret ? `  secret: ${secret}` : '  (--show-secret prints the new secret)',
            ].join('\n'),
        );
        if (rotated.retired.length === 0)
          output.warn(
            `the secrets file had no earlier secret of ${id} under source "${source}" (entries without a subscriptionId are left alone)`,
          );
        if (writeError !== undefined)
          output.warn(
            `Okendo rotated the secret but it could not be written to ${location.path} (${writeError}): the ingest refuses deliveries signed with only the new secret; fix the file and rotate again`,
          );
        const retired = rotated.retired.map((entry) => `${entry.label} until ${entry.notAfter}`).join(', ');
        const detail = [
          writeError === undefined ? `new ${rotated.label}` : `new ${rotated.label} NOT written`,
          `overlap ${overlap}`,
          retired === '' ? 'no earlier secret in the file' : `retired ${retired}`,
          rotated.dropped.length > 0 ? `dropped ${rotated.dropped.join(',')}` : '',
        ]
          .filter((part) => part !== '')
          .join('; ');
        return { detail, exitCode: writeError === undefined ? EXIT.ok : EXIT.incomplete };
      }),
  );
}
