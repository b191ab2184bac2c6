/**
 * Okendo (Svix / Standard Webhooks) signing secrets: `whsec_` + base64. The HMAC key is the decoded part.
 * Several secrets per source are accepted at once, so a secret can be rotated without rejecting deliveries.
 */
import { type SourceSecretEntry, secretLabel, signingSecretProblem } from '@okendo/common';

export interface SigningKey {
  /** For metrics, logs and errors: which configured secret this is (never the secret itself). */
  label: string;
  key: Buffer;
  /** Epoch ms from which this secret no longer verifies (the secrets file's notAfter); none = forever. */
  notAfterMs?: number;
}

const PREFIX = 'whsec_';

/** Decodes one secret; throws a message that names the secret by its position, never by its value. */
export function parseSigningSecret(secret: string, label: string): SigningKey {
  const problem = signingSecretProblem(secret);
  if (problem !== undefined) throw new Error(`${label} ${problem}`);
  return { label, key: Buffer.from(secret.trim().slice(PREFIX.length), 'base64') };
}

/** The keys of one source of the secrets file (entries already validated by parseWebhookSourcesFile). */
export function signingKeysOf(entries: readonly SourceSecretEntry[], origin: string): readonly SigningKey[] {
  return Object.freeze(
    entries.map((entry, index) => {
      const label = secretLabel(entry, index);
      const key = parseSigningSecret(entry.secret, `${origin} secret ${label}`);
      return Object.freeze(
        entry.notAfter === undefined
          ? { ...key, label }
          : { ...key, label, notAfterMs: Date.parse(entry.notAfter) },
      );
    }),
  );
}
