/**
 * Standard Webhooks (Svix) signing, as Okendo signs: HMAC-SHA256 over `<id>.<timestamp>.<body>` with the
 * secret's base64 key, sent as `v1,<base64>`.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';

export function newMessageId(): string {
  return `msg_${randomUUID().replaceAll('-', '')}`;
}

/** A well-formed secret nobody configured, for --bad-signature. */
export function unknownSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

export function signedDeliveryHeaders(
  secret: string,
  messageId: string,
  body: string,
  timestampSeconds: number = Math.floor(Date.now() / 1_000),
): Record<string, string> {
  const key = Buffer.from(secret.trim().replace(/^whsec_/, ''), 'base64');
  const signature = createHmac('sha256', key)
    .update(`${messageId}.${timestampSeconds}.${body}`)
    .digest('base64');
  return {
    'content-type': 'application/json',
    'webhook-id': messageId,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': `v1,${signature}`,
  };
}
