import { randomBytes } from 'node:crypto';
import { parseSigningSecret, verifySignature } from '@okendo/ingest';
import { FIXTURES } from '@okendo/schemas';
import { Webhook } from 'svix';
import { describe, expect, it } from 'vitest';
import { newWebhookSecret, signatureFor, signedHeaders } from '../harness/webhook-signer.js';

const secret = newWebhookSecret();
const keys = [parseSigningSecret(secret, 'test secret')];
const now = 1_790_000_000;
const body = Buffer.from(FIXTURES[0]?.body ?? '{}');
const verify = (headers: Record<string, string>, payload: Buffer = body, keySet = keys) =>
  verifySignature(headers, payload, { keys: keySet, toleranceSeconds: 300, nowSeconds: now });

describe('verifySignature', () => {
  it('accepts a delivery signed by the svix library', () => {
    const signature = new Webhook(secret).sign('msg_1', new Date(now * 1_000), body.toString('utf8'));
    const result = verify({
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(now),
      'webhook-signature': signature,
    });
    expect(result).toEqual({ ok: true, messageId: 'msg_1', timestamp: now, keyLabel: 'test secret' });
  });

  it('accepts independent signing code and the svix-* header spelling', () => {
    expect(verify(signedHeaders(secret, body, { id: 'a', timestamp: now })).ok).toBe(true);
    expect(verify(signedHeaders(secret, body, { id: 'a', timestamp: now, svixHeaders: true })).ok).toBe(true);
  });

  it('accepts when any of several v1 signatures matches, ignoring other versions', () => {
    const good = signatureFor(secret, 'id', now, body);
    const other = signatureFor(newWebhookSecret(), 'id', now, body);
    const header = `v2,${good.slice(3)} ${other} v1,notbase64!! ${good}`;
    expect(
      verify({ 'webhook-id': 'id', 'webhook-timestamp': String(now), 'webhook-signature': header }).ok,
    ).toBe(true);
  });

  it('accepts a delivery signed with any configured secret (rotation)', () => {
    const next = newWebhookSecret();
    const rotated = [...keys, parseSigningSecret(next, 'next secret')];
    const result = verify(signedHeaders(next, body, { timestamp: now }), body, rotated);
    expect(result).toMatchObject({ ok: true, keyLabel: 'next secret' });
  });

  it.each([
    ['webhook-id', 'missing_headers'],
    ['webhook-timestamp', 'missing_headers'],
    ['webhook-signature', 'missing_headers'],
  ])('rejects a delivery without %s', (name, reason) => {
    const headers = signedHeaders(secret, body, { timestamp: now });
    delete headers[name];
    expect(verify(headers)).toMatchObject({ ok: false, reason });
  });

  it.each([
    ['a timestamp that is not whole seconds', '17900000.5', 'invalid_timestamp'],
    ['a timestamp in milliseconds', String(now * 1_000), 'invalid_timestamp'],
    ['a timestamp 301 s old', String(now - 301), 'timestamp_too_old'],
    ['a timestamp 301 s ahead', String(now + 301), 'timestamp_in_future'],
  ])('rejects %s', (_name, timestamp, reason) => {
    const headers = {
      'webhook-id': 'id',
      'webhook-timestamp': timestamp,
      'webhook-signature': signatureFor(secret, 'id', Number(timestamp), body),
    };
    expect(verify(headers)).toMatchObject({ ok: false, reason });
  });

  it('accepts timestamps at the edge of the tolerance', () => {
    expect(verify(signedHeaders(secret, body, { timestamp: now - 300 })).ok).toBe(true);
    expect(verify(signedHeaders(secret, body, { timestamp: now + 300 })).ok).toBe(true);
  });

  it.each([
    ['a wrong secret', () => verify(signedHeaders(newWebhookSecret(), body, { timestamp: now }))],
    [
      'a tampered body',
      () => verify(signedHeaders(secret, body, { timestamp: now }), Buffer.concat([body, Buffer.from(' ')])),
    ],
    [
      'a signature replayed with another id',
      () => verify({ ...signedHeaders(secret, body, { id: 'a', timestamp: now }), 'webhook-id': 'b' }),
    ],
    [
      'a truncated signature',
      () => verify({ ...signedHeaders(secret, body, { timestamp: now }), 'webhook-signature': 'v1,AAAA' }),
    ],
  ])('rejects %s', (_name, run) => {
    expect(run()).toMatchObject({ ok: false, reason: 'no_valid_signature' });
  });

  it('agrees with the svix library on 300 randomised deliveries', () => {
    const wh = new Webhook(secret);
    const realNow = Math.floor(Date.now() / 1_000);
    for (let i = 0; i < 300; i++) {
      // svix 1.x parses the payload as JSON after verifying, so every payload here is JSON.
      const payload = JSON.stringify({
        i,
        data: randomBytes(1 + (i % 97) * 13).toString(i % 2 ? 'hex' : 'base64'),
      });
      const id = `msg_${randomBytes(6).toString('hex')}`;
      // Skews stay clear of the 300 s boundary, so a clock tick between the two checks cannot flip a case.
      const timestamp = realNow + ([0, 120, -250, 250, -400, 400][i % 6] ?? 0);
      let signature = wh.sign(id, new Date(timestamp * 1_000), payload);
      if (i % 5 === 0)
        signature = `${signature.slice(0, 10)}${signature[10] === 'A' ? 'B' : 'A'}${signature.slice(11)}`;
      const received = i % 7 === 0 ? `${payload} ` : payload;
      const headers = {
        'webhook-id': id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signature,
      };
      let svixAccepts = true;
      try {
        wh.verify(received, headers);
      } catch {
        svixAccepts = false;
      }
      const ours = verifySignature(headers, Buffer.from(received), {
        keys,
        toleranceSeconds: 300,
        nowSeconds: realNow,
      });
      expect(ours.ok, `case ${i}`).toBe(svixAccepts);
    }
  });
});

describe('parseSigningSecret', () => {
  it.each([
    ['no prefix', 'c2VjcmV0c2VjcmV0c2VjcmV0', /does not start with "whsec_"/],
    ['bad base64', 'whsec_not base64!', /not valid base64/],
    ['a short key', 'whsec_c2hvcnQ=', /decodes to 5 bytes/],
  ])('rejects %s without echoing the secret', (_name, value, message) => {
    let thrown: Error | undefined;
    try {
      parseSigningSecret(value, 'OKENDO_WEBHOOK_SECRETS secret #1');
    } catch (error) {
      thrown = error as Error;
    }
    expect(thrown?.message).toMatch(message);
    expect(thrown?.message).toContain('OKENDO_WEBHOOK_SECRETS secret #1');
    expect(thrown?.message).not.toContain(value.slice(6));
  });
});
