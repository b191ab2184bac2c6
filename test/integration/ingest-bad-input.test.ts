import { FIXTURES } from '@okendo/schemas';
import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInfra, titleWithSkipReason } from '../harness/infra.js';
import { messagesPerTopic, startTestIngest, type TestIngest } from '../harness/ingest.js';
import { kafkaClient } from '../harness/kafka.js';
import { newWebhookSecret, signatureFor, signedHeaders } from '../harness/webhook-signer.js';

const infra = runInfra();

interface BadRequest {
  name: string;
  method?: string;
  path?: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  status: number;
  /** the error code in the JSON body, or for a 200 the unrouted reason */
  code: string;
}

const fixtureBody = FIXTURES[0]?.body ?? '{}';
const now = () => Math.floor(Date.now() / 1_000);

/** Every request here is malformed or unauthorised, or signed but unroutable; none may get a 5xx. */
function badRequests(secret: string): BadRequest[] {
  const signed = (body: string | Buffer, extra: Record<string, string> = {}) => ({
    ...signedHeaders(secret, body),
    ...extra,
  });
  const without = (name: string) => {
    const headers = signedHeaders(secret, fixtureBody);
    delete headers[name];
    return headers;
  };
  const at = (timestamp: number | string) => ({
    'content-type': 'application/json',
    'webhook-id': 'msg_t',
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signatureFor(secret, 'msg_t', Number(timestamp), fixtureBody),
  });
  const unroutable = (body: string | Buffer, code: string): BadRequest => ({
    name: `signed but unroutable: ${code} (${String(body).slice(0, 30)})`,
    headers: signed(body),
    body,
    status: 200,
    code,
  });
  const tooLarge = Buffer.alloc(1_048_577, 'a');
  return [
    {
      name: 'no signature headers',
      headers: { 'content-type': 'application/json' },
      status: 401,
      code: 'missing_headers',
    },
    { name: 'no webhook-id', headers: without('webhook-id'), status: 401, code: 'missing_headers' },
    {
      name: 'no webhook-timestamp',
      headers: without('webhook-timestamp'),
      status: 401,
      code: 'missing_headers',
    },
    {
      name: 'no webhook-signature',
      headers: without('webhook-signature'),
      status: 401,
      code: 'missing_headers',
    },
    {
      name: 'empty signature header',
      headers: signed(fixtureBody, { 'webhook-signature': '' }),
      status: 401,
      code: 'missing_headers',
    },
    {
      name: 'a 300-character id',
      headers: signedHeaders(secret, fixtureBody, { id: 'x'.repeat(300) }),
      status: 401,
      code: 'missing_headers',
    },
    {
      name: 'signed with another secret',
      headers: signedHeaders(newWebhookSecret(), fixtureBody),
      status: 401,
      code: 'no_valid_signature',
    },
    {
      name: 'tampered body',
      headers: signed(fixtureBody),
      body: `${fixtureBody} `,
      status: 401,
      code: 'no_valid_signature',
    },
    {
      name: 'valid signature replayed on another body',
      headers: signed(FIXTURES[1]?.body ?? ''),
      status: 401,
      code: 'no_valid_signature',
    },
    {
      name: 'valid signature replayed under another id',
      headers: { ...signed(fixtureBody), 'webhook-id': 'msg_other' },
      status: 401,
      code: 'no_valid_signature',
    },
    {
      name: 'only a v2 signature',
      headers: signed(fixtureBody, {
        'webhook-signature': 'v2,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
      }),
      status: 401,
      code: 'no_valid_signature',
    },
    {
      name: 'garbage signature',
      headers: signed(fixtureBody, { 'webhook-signature': 'v1,@@@' }),
      status: 401,
      code: 'no_valid_signature',
    },
    { name: 'timestamp 10 minutes old', headers: at(now() - 600), status: 401, code: 'timestamp_too_old' },
    {
      name: 'timestamp 10 minutes ahead',
      headers: at(now() + 600),
      status: 401,
      code: 'timestamp_in_future',
    },
    { name: 'timestamp in milliseconds', headers: at(Date.now()), status: 401, code: 'invalid_timestamp' },
    { name: 'non-numeric timestamp', headers: at('yesterday'), status: 401, code: 'invalid_timestamp' },
    { name: 'negative timestamp', headers: at(-5), status: 401, code: 'invalid_timestamp' },
    {
      name: 'body over 1 MiB',
      headers: signed(tooLarge),
      body: tooLarge,
      status: 413,
      code: 'body_too_large',
    },
    {
      name: 'text/plain body',
      headers: signed(fixtureBody, { 'content-type': 'text/plain' }),
      status: 415,
      code: 'unsupported_media_type',
    },
    {
      name: 'form-encoded body',
      headers: signed(fixtureBody, { 'content-type': 'application/x-www-form-urlencoded' }),
      status: 415,
      code: 'unsupported_media_type',
    },
    {
      name: 'multipart body',
      headers: signed(fixtureBody, { 'content-type': 'multipart/form-data; boundary=x' }),
      status: 415,
      code: 'unsupported_media_type',
    },
    { name: 'GET on the webhook path', method: 'GET', headers: {}, status: 405, code: 'method_not_allowed' },
    {
      name: 'PUT on the webhook path',
      method: 'PUT',
      headers: signed(fixtureBody),
      status: 405,
      code: 'method_not_allowed',
    },
    {
      name: 'DELETE on a source path',
      method: 'DELETE',
      path: '/webhooks/okendo/store-eu',
      headers: {},
      status: 405,
      code: 'method_not_allowed',
    },
    {
      name: 'POST to an unknown path',
      path: '/webhooks/shopify',
      headers: signed(fixtureBody),
      status: 404,
      code: 'not_found',
    },
    { name: 'POST to the root', path: '/', headers: signed(fixtureBody), status: 404, code: 'not_found' },
    {
      name: 'POST for a source with no secrets',
      path: '/webhooks/okendo/unknown-store',
      headers: signed(fixtureBody),
      status: 404,
      code: 'unknown_source',
    },
    unroutable('{"resourceType": "review", "topic": ', 'invalid_json'),
    unroutable('', 'invalid_json'),
    unroutable(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), 'invalid_json'),
    unroutable('[1,2,3]', 'not_an_object'),
    unroutable(
      '{"resourceType":"referral","topic":"create","sequenceNumber":"1","resource":{}}',
      'unknown_resource_type',
    ),
    unroutable(
      '{"resourceType":"review","topic":"upsert","sequenceNumber":"1","resource":{"reviewId":"r"}}',
      'invalid_topic',
    ),
    unroutable(
      '{"resourceType":"review","topic":"create","resource":{"reviewId":"r"}}',
      'missing_sequence_number',
    ),
    unroutable(
      '{"resourceType":"review","topic":"create","sequenceNumber":"1e5","resource":{"reviewId":"r"}}',
      'invalid_sequence_number',
    ),
    unroutable(
      '{"resourceType":"review","topic":"create","sequenceNumber":"1","resource":{"productId":"p"}}',
      'missing_entity_id',
    ),
  ];
}

describe.skipIf(infra.kafka === undefined)(
  titleWithSkipReason(
    'ingest: bad input gets its documented status and publishes nothing',
    infra.unavailable.kafka,
  ),
  () => {
    let ingest: TestIngest;
    let admin: Admin;

    beforeAll(async () => {
      ingest = await startTestIngest(infra.kafka?.brokers ?? '');
      admin = kafkaClient(infra.kafka?.brokers ?? '').admin();
      await admin.connect();
    });

    afterAll(async () => {
      await admin?.disconnect();
      await ingest?.stop();
    });

    it('answers at least 30 distinct malformed requests precisely, never with a 5xx', async () => {
      const cases = badRequests(ingest.secret);
      expect(cases.length).toBeGreaterThanOrEqual(30);
      expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
      const before = await messagesPerTopic(admin, ingest);

      for (const request of cases) {
        const method = request.method ?? 'POST';
        const response = await fetch(`${ingest.url}${request.path ?? '/webhooks/okendo'}`, {
          method,
          headers: request.headers,
          ...(method === 'GET' || method === 'DELETE' ? {} : { body: request.body ?? fixtureBody }),
        });
        const body = (await response.json()) as {
          error?: { code: string; message: string };
          reason?: string;
        };
        expect({ name: request.name, status: response.status }).toEqual({
          name: request.name,
          status: request.status,
        });
        if (response.status === 200) {
          expect(body, request.name).toEqual({ status: 'unrouted', reason: request.code });
        } else {
          expect(body.error?.code, request.name).toBe(request.code);
          expect(body.error?.message.length, request.name).toBeGreaterThan(20);
        }
        if (request.status === 405) expect(response.headers.get('allow')).toBe('POST');
      }

      const after = await messagesPerTopic(admin, ingest);
      const unroutable = cases.filter((c) => c.status === 200).length;
      expect(after).toEqual({ ...before, unrouted: (before['unrouted'] ?? 0) + unroutable });
    });

    it('serves health, readiness and metrics', async () => {
      expect((await fetch(`${ingest.url}/healthz`)).status).toBe(200);
      expect(await (await fetch(`${ingest.url}/readyz`)).json()).toEqual({ status: 'ready' });
      const metrics = await (await fetch(`${ingest.url}/metrics`)).text();
      expect(metrics).toMatch(/ingest_requests_total\{outcome="unauthorized"\} \d+/);
      expect(metrics).toMatch(/ingest_verification_failures_total\{reason="no_valid_signature"\} \d+/);
      expect(metrics).toMatch(/ingest_publish_duration_seconds_bucket/);
      expect(metrics).toMatch(/ingest_in_flight_requests/);
    });
  },
);
