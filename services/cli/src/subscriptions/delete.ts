/**
 * `subscriptions delete`: the subscription at Okendo, then its secrets in the secrets file (only after
 * Okendo's 204, so a refused delete leaves the ingest accepting what Okendo still sends).
 */
import type { CliContext } from '../context.js';
import { CliError, EXIT, type ExitCode } from '../exit-codes.js';
import { audited } from './audited.js';
import { okendoFailure } from './okendo-failure.js';
import { removeSubscriptionSecrets, secretsFileLocation, withSecretsFile } from './secrets-file.js';

export interface DeleteOptions {
  source: string;
  secretsFile?: string;
}

export async function deleteSubscription(
  context: CliContext,
  id: string,
  options: DeleteOptions,
): Promise<ExitCode> {
  const { source } = options;
  const location = secretsFileLocation(options.secretsFile, context.env);
  const okendo = context.okendo(source);
  return audited(
    context,
    'subscriptions delete',
    () => `${source}/${id}`,
    () =>
      withSecretsFile(location, async (file) => {
        const answer = await okendo.deleteSubscription(id);
        // Not found: nothing at Okendo can sign with its secrets any more, so they go too.
        const notFound = !answer.ok && answer.error.code === 'not_found';
        if (!answer.ok && !notFound) throw okendoFailure(answer.error, `deleting ${id}`);
        const { sources, removed } = removeSubscriptionSecrets(file.sources, source, id);
        if (removed.length > 0) await file.write(sources);
        const secrets =
          removed.length > 0
            ? `removed its secret(s) ${removed.join(', ')} from ${location.path}`
            : `no secret of it in ${location.path}`;
        if (notFound)
          throw new CliError(`Okendo has no subscription ${id} (already deleted?); ${secrets}`, EXIT.failed);
        context.output.result(
          { source, subscriptionId: id, deleted: true, removedSecrets: removed, secretsFile: location.path },
          () => `deleted subscription ${id}; ${secrets}`,
        );
        return {
          detail: `deleted; ${removed.length > 0 ? `removed ${removed.join(',')}` : 'no secret in the file'}`,
        };
      }),
  );
}
