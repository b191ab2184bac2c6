/**
 * send-test's building blocks without a pipeline: the sample body (fresh entity id, --set edits by dotted
 * path), the secret it signs with (env first for the default source, else the secrets file's first secret
 * still accepted), and a signature checked with independent code (the test harness's signer).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  applySetEdit,
  buildSampleDelivery,
  parseSetEdit,
} from '../../services/cli/src/delivery/sample-delivery.js';
import { signedDeliveryHeaders } from '../../services/cli/src/delivery/sign-delivery.js';
import { resolveSigningSecret } from '../../services/cli/src/delivery/signing-secret.js';
import { CliError } from '../../services/cli/src/exit-codes.js';
import { newWebhookSecret, signatureFor } from '../harness/webhook-signer.js';

describe('send-test sample body', () => {
  it('takes the fixture of that type and topic with a fresh entity id', () => {
    const sample = buildSampleDelivery('review', 'create', [], () => 'fresh-id');
    const body = JSON.parse(sample.body) as {
      resourceType: string;
      topic: string;
      resource: { reviewId: string };
    };
    expect(sample.entityId).toBe('fresh-id');
    expect(body).toMatchObject({
      resourceType: 'review',
      topic: 'create',
      resource: { reviewId: 'fresh-id' },
    });
  });

  it('--set edits by dotted path, values read as JSON when they parse, else as text', () => {
    const sample = buildSampleDelivery(
      'review',
      'update',
      [
        parseSetEdit('resource.rating=2'),
        parseSetEdit('resource.title=Not quite'),
        parseSetEdit('resource.isRecommended=false'),
        parseSetEdit('resource.reviewer.nested.deep="x=y"'),
        parseSetEdit('resource.reviewId=kept-id'),
      ],
      () => 'fresh-id',
    );
    const body = JSON.parse(sample.body) as { resource: Record<string, unknown> };
    expect(body.resource).toMatchObject({
      rating: 2,
      title: 'Not quite',
      isRecommended: false,
      reviewId: 'kept-id',
      reviewer: { nested: { deep: 'x=y' } },
    });
    // The entity id reported is the one in the body, after the edits.
    expect(sample.entityId).toBe('kept-id');
  });

  it('refuses a malformed --set, an unknown type or topic, and a path through a scalar', () => {
    expect(() => parseSetEdit('no-equals-sign')).toThrow(/path=value/);
    expect(() => parseSetEdit('a..b=1')).toThrow(/path=value/);
    expect(() => parseSetEdit('__proto__.polluted=1')).toThrow(/path=value/);
    expect(() => buildSampleDelivery('widget', 'create', [])).toThrow(/unknown resource type "widget"/);
    expect(() => buildSampleDelivery('review', 'archive', [])).toThrow(
      /--topic must be one of create, update, delete/,
    );
    const target = { a: 1 };
    expect(() => applySetEdit(target, parseSetEdit('a.b=2'))).toThrow(CliError);
  });
});

describe('send-test signing', () => {
  it('signs as Standard Webhooks does (checked with the harness signer)', () => {
    const secret = newWebhookSecret();
    const body = '{"resourceType":"review"}';
    const headers = signedDeliveryHeaders(secret, 'msg_1', body, 1_790_000_000);
    expect(headers['webhook-signature']).toBe(signatureFor(secret, 'msg_1', 1_790_000_000, body));
    expect(headers).toMatchObject({ 'webhook-id': 'msg_1', 'webhook-timestamp': '1790000000' });
  });
});

describe('send-test secret', () => {
  let dir: string;
  const [a, b, c] = [newWebhookSecret(), newWebhookSecret(), newWebhookSecret()];
  const now = Date.parse('2026-12-02T02:00:00Z');
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'send-test-secrets-'));
    await writeFile(
      join(dir, 'sources.json'),
      JSON.stringify({
        'shop-a': [
          { secret: a, label: 'old#1', notAfter: '2026-12-02T01:00:00Z' },
          { secret: b, label: 'new#2' },
        ],
        default: [c],
        'shop-c': [{ secret: a, notAfter: '2026-12-02T01:00:00Z' }],
      }),
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('takes the first secret still accepted from the file, skipping one past its notAfter', async () => {
    const env = { OKENDO_WEBHOOK_SOURCES_FILE: join(dir, 'sources.json') };
    expect(await resolveSigningSecret(env, 'shop-a', now)).toEqual({ secret: b, label: 'new#2' });
    expect(await resolveSigningSecret(env, 'default', now)).toEqual({ secret: c, label: '#1' });
  });

  it('the default source reads OKENDO_WEBHOOK_SECRETS first, as the ingest does', async () => {
    const env = {
      OKENDO_WEBHOOK_SECRETS: ` ${a} , ${b}`,
      OKENDO_WEBHOOK_SOURCES_FILE: join(dir, 'sources.json'),
    };
    expect(await resolveSigningSecret(env, 'default', now)).toEqual({
      secret: a,
      label: 'OKENDO_WEBHOOK_SECRETS #1',
    });
  });

  it('says which source has no usable secret, never printing one', async () => {
    const env = { OKENDO_WEBHOOK_SOURCES_FILE: join(dir, 'sources.json') };
    await expect(resolveSigningSecret(env, 'shop-b', now)).rejects.toThrow(
      /no secret for source shop-b in .*sources\.json/,
    );
    await expect(resolveSigningSecret(env, 'shop-c', now)).rejects.toThrow(
      /every secret of source shop-c in .* is past its notAfter/,
    );
    const error = await resolveSigningSecret({ OKENDO_WEBHOOK_SECRETS: 'whsec_short' }, 'default').catch(
      (e: Error) => e,
    );
    expect(String(error)).toMatch(/OKENDO_WEBHOOK_SECRETS: secret #1 /);
    expect(String(error)).not.toContain('whsec_short');
  });
});
