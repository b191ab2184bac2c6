/**
 * Signs deliveries the way Okendo (Svix / Standard Webhooks) does, written independently of both the ingest's
 * verifier and the svix library, so a test signed here proves the verifier against the spec, not against itself.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';

export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

export function signatureFor(secret: string, id: string, timestamp: number, body: Buffer | string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const mac = createHmac('sha256', key);
  mac.update(`${id}.${timestamp}.`);
  mac.update(typeof body === 'string' ? Buffer.from(body, 'utf8') : body);
  return `v1,${mac.digest('base64')}`;
}

export interface SignOptions {
  id?: string;
  /** seconds since the epoch; defaults to now */
  timestamp?: number;
  /** the svix-* header spelling instead of webhook-* */
  svixHeaders?: boolean;
}

/** The headers of a correctly signed JSON delivery of `body`. */
export function signedHeaders(
  secret: string,
  body: Buffer | string,
  options: SignOptions = {},
): Record<string, string> {
  const id = options.id ?? `msg_${randomUUID().replaceAll('-', '')}`;
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1_000);
  const prefix = options.svixHeaders ? 'svix' : 'webhook';
  return {
    'content-type': 'application/json',
    [`${prefix}-id`]: id,
    [`${prefix}-timestamp`]: String(timestamp),
    [`${prefix}-signature`]: signatureFor(secret, id, timestamp, body),
  };
}
