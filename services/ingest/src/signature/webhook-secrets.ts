/**
 * Okendo (Svix / Standard Webhooks) signing secrets: `whsec_` + base64. The HMAC key is the decoded part.
 * Several secrets per source are accepted at once, so a secret can be rotated without rejecting deliveries.
 */
export interface SigningKey {
  /** For logs and errors: which configured secret this is (never the secret itself). */
  label: string;
  key: Buffer;
}

const PREFIX = 'whsec_';

/** Decodes one secret; throws a message that names the secret by its position, never by its value. */
export function parseSigningSecret(secret: string, label: string): SigningKey {
  const trimmed = secret.trim();
  if (!trimmed.startsWith(PREFIX)) throw new Error(`${label} does not start with "${PREFIX}"`);
  const encoded = trimmed.slice(PREFIX.length);
  if (encoded === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(encoded))
    throw new Error(`${label} is not valid base64 after "${PREFIX}"`);
  const key = Buffer.from(encoded, 'base64');
  if (key.length < 16) throw new Error(`${label} decodes to ${key.length} bytes; expected at least 16`);
  return { label, key };
}
