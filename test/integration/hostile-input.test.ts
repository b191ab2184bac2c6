/**
 * Over a thousand malformed or malicious requests mixed into valid signed traffic: none answered 5xx, none
 * crashes the ingest, nothing unsigned is published, each gets its documented status, and the valid traffic
 * keeps succeeding during and after.
 */
import { randomBytes } from 'node:crypto';
import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInfra, titleWithSkipReason } from '../harness/infra.js';
import { messagesPerTopic, startTestIngest, type TestIngest } from '../harness/ingest.js';
import { kafkaClient } from '../harness/kafka.js';
import { type RawRequest, rawRequest } from '../harness/raw-http.js';
import { newWebhookSecret, signatureFor } from '../harness/webhook-signer.js';
import { planDeliveries, random } from '../traffic/planned-deliveries.js';
import { runTraffic } from '../traffic/traffic-generator.js';

const infra = runInfra();
const PER_KIND = 48;

interface HostileCase {
  kind: string;
  request: RawRequest;
  status: number;
  /** a signed but unroutable body: answered 200 and parked on the unrouted topic */
  parked?: boolean;
}

const json = ['Content-Type', 'application/json'] as [string, string];

function signed(secret: string, body: Buffer | string, options: { id?: string; timestamp?: number } = {}) {
  const id = options.id ?? `msg_h_${randomBytes(8).toString('hex')}`;
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1_000);
  return [
    ['webhook-id', id],
    ['webhook-timestamp', String(timestamp)],
    ['webhook-signature', signatureFor(secret, id, timestamp, body)],
  ] as Array<[string, string]>;
}

function nested(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

/** One generator per kind of hostility; each call makes a fresh, slightly different request. */
function hostileKinds(
  secret: string,
  validBody: () => string,
): Array<(n: number, r: () => number) => HostileCase> {
  const without = (name: string, body: string) => signed(secret, body).filter(([h]) => h !== name);
  return [
    (_n) => ({ kind: 'no signature headers', request: { headers: [json], body: validBody() }, status: 401 }),
    (_n, r) => {
      const body = validBody();
      const name =
        ['webhook-id', 'webhook-timestamp', 'webhook-signature'][Math.floor(r() * 3)] ?? 'webhook-id';
      return {
        kind: 'one signature header missing',
        request: { headers: [json, ...without(name, body)], body },
        status: 401,
      };
    },
    (_n) => {
      const body = validBody();
      const headers = signed(secret, body);
      return {
        kind: 'duplicated webhook-id',
        request: { headers: [json, ...headers, ['webhook-id', 'msg_other']], body },
        status: 401,
      };
    },
    (_n) => {
      const body = validBody();
      const headers = signed(secret, body);
      return {
        kind: 'duplicated webhook-timestamp',
        request: { headers: [json, ...headers, ['webhook-timestamp', '1']], body },
        status: 401,
      };
    },
    (_n, r) => ({
      kind: 'oversized header',
      request: {
        headers: [
          json,
          ...signed(secret, '{}'),
          ['x-padding', 'a'.repeat(20_000 + Math.floor(r() * 10_000))],
        ],
        body: '{}',
      },
      status: 431,
    }),
    (_n, r) => {
      const body = validBody();
      const junk = Array.from(
        { length: 150 + Math.floor(r() * 100) },
        () => `v1,${randomBytes(32).toString('base64')}`,
      ).join(' ');
      const [id, ts] = signed(secret, body);
      return {
        kind: 'signature header full of wrong signatures',
        request: {
          headers: [json, id as [string, string], ts as [string, string], ['webhook-signature', junk]],
          body,
        },
        status: 401,
      };
    },
    (_n, r) => {
      const body = validBody();
      return {
        kind: 'stale timestamp',
        request: {
          headers: [
            json,
            ...signed(secret, body, {
              timestamp: Math.floor(Date.now() / 1_000) - 301 - Math.floor(r() * 100_000),
            }),
          ],
          body,
        },
        status: 401,
      };
    },
    (_n, r) => {
      const body = validBody();
      return {
        kind: 'future timestamp',
        request: {
          headers: [
            json,
            ...signed(secret, body, {
              timestamp: Math.floor(Date.now() / 1_000) + 301 + Math.floor(r() * 100_000),
            }),
          ],
          body,
        },
        status: 401,
      };
    },
    (_n) => ({
      kind: 'signature replayed on another body',
      request: { headers: [json, ...signed(secret, validBody())], body: validBody() },
      status: 401,
    }),
    (_n, r) => {
      const body = validBody();
      const cut = Math.floor(body.length * (0.2 + r() * 0.7));
      return {
        kind: 'truncated body',
        request: { headers: [json, ...signed(secret, body)], body: body.slice(0, cut) },
        status: 401,
      };
    },
    (_n, r) => {
      const body = Buffer.alloc(1_048_577 + Math.floor(r() * 100_000), 'x');
      return {
        kind: 'oversized body',
        request: { headers: [json, ...signed(secret, body)], body },
        status: 413,
      };
    },
    (_n) => {
      const body = Buffer.concat([
        Buffer.from('{"resourceType":"review","x":"'),
        randomBytes(64),
        Buffer.from('"}'),
      ]);
      return {
        kind: 'invalid UTF-8, bad signature',
        request: { headers: [json, ...signed(newWebhookSecret(), body)], body },
        status: 401,
      };
    },
    (_n) => {
      const body = Buffer.concat([
        Buffer.from('{"resourceType":"review","x":"'),
        Buffer.from([0xff, 0xfe, 0xc3]),
        Buffer.from('"}'),
      ]);
      return {
        kind: 'invalid UTF-8, signed',
        request: { headers: [json, ...signed(secret, body)], body },
        status: 200,
        parked: true,
      };
    },
    (_n, r) => {
      const body = nested(10_000 + Math.floor(r() * 90_000));
      return {
        kind: 'deeply nested JSON, signed',
        request: { headers: [json, ...signed(secret, body)], body },
        status: 200,
        parked: true,
      };
    },
    (_n) => {
      const body = nested(50_000);
      return { kind: 'deeply nested JSON, unsigned', request: { headers: [json], body }, status: 401 };
    },
    (_n, r) => {
      const type =
        [
          'text/plain',
          'application/xml',
          'multipart/form-data; boundary=x',
          'application/x-www-form-urlencoded',
          'text/json',
        ][Math.floor(r() * 5)] ?? 'text/plain';
      const body = validBody();
      return {
        kind: 'wrong content type',
        request: { headers: [['Content-Type', type], ...signed(secret, body)], body },
        status: 415,
      };
    },
    (_n, r) => {
      const method = ['GET', 'PUT', 'DELETE', 'PATCH'][Math.floor(r() * 4)] ?? 'GET';
      return { kind: 'wrong method', request: { method, headers: [], contentLength: null }, status: 405 };
    },
    (_n, r) => {
      const path =
        [
          '/',
          '/webhooks',
          '/admin',
          '/webhooks/okendo/../../etc/passwd',
          `/${randomBytes(6).toString('hex')}`,
        ][Math.floor(r() * 5)] ?? '/';
      return {
        kind: 'unknown path',
        request: { path, headers: [json, ...signed(secret, '{}')], body: '{}' },
        status: 404,
      };
    },
    (_n) => ({
      kind: 'malformed request line',
      request: { headers: [], rawBytes: Buffer.from(`GARBAGE ${randomBytes(8).toString('hex')}\r\n\r\n`) },
      status: 400,
    }),
    (_n) => ({
      kind: 'invalid header bytes',
      request: {
        headers: [],
        rawBytes: Buffer.concat([
          Buffer.from('POST /webhooks/okendo HTTP/1.1\r\nHost: x\r\nX-Bad: '),
          Buffer.from([0x01, 0x7f]),
          Buffer.from('\r\n\r\n'),
        ]),
      },
      status: 400,
    }),
    (_n) => ({
      kind: 'conflicting Content-Length and Transfer-Encoding',
      request: {
        headers: [],
        rawBytes: Buffer.from(
          'POST /webhooks/okendo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
        ),
      },
      status: 400,
    }),
    (_n) => {
      const body = `"just a string ${randomBytes(4).toString('hex')}"`;
      return {
        kind: 'signed non-object JSON',
        request: { headers: [json, ...signed(secret, body)], body },
        status: 200,
        parked: true,
      };
    },
  ];
}

describe.skipIf(infra.kafka === undefined)(
  titleWithSkipReason('hostile input among valid traffic', infra.unavailable.kafka),
  () => {
    let ingest: TestIngest;
    let admin: Admin;
    let port: number;

    beforeAll(async () => {
      ingest = await startTestIngest(infra.kafka?.brokers ?? '', { INGEST_REQUEST_TIMEOUT_MS: '3000' });
      port = Number(new URL(ingest.url).port);
      admin = kafkaClient(infra.kafka?.brokers ?? '').admin();
      await admin.connect();
    });

    afterAll(async () => {
      await admin?.disconnect();
      await ingest?.stop();
    });

    it('answers every hostile request with its documented status and never 5xx, while valid traffic succeeds', async () => {
      const secret = ingest.secret;
      const next = random(2026);
      const validBodies = planDeliveries({
        prefix: 'hostile',
        entities: 50,
        maxVersionsPerEntity: 2,
        deleteRatio: 0,
        seed: 3,
      }).map((d) => d.body);
      const validBody = () => validBodies[Math.floor(next() * validBodies.length)] ?? '{}';
      const cases: HostileCase[] = [];
      for (const make of hostileKinds(secret, validBody))
        for (let n = 0; n < PER_KIND; n++) cases.push(make(n, next));
      // A few bodies that never finish: the request timeout must end them (408), not hold the server.
      for (let n = 0; n < 5; n++) {
        const body = validBody();
        cases.push({
          kind: 'slow body that never finishes',
          request: { headers: [json, ...signed(secret, body)], body, stallAfterBytes: 10 },
          status: 408,
        });
      }
      expect(cases.length).toBeGreaterThanOrEqual(1_000);
      const before = await messagesPerTopic(admin, ingest);

      const deliveries = planDeliveries({
        prefix: `valid-${Date.now()}`,
        entities: 120,
        maxVersionsPerEntity: 3,
        deleteRatio: 0.1,
        seed: 5,
      });
      const valid = runTraffic({
        url: `${ingest.url}/webhooks/okendo`,
        secret,
        deliveries,
        ratePerSecond: 40,
        outOfOrderWindow: 10,
        duplicateRatio: 0,
        retryScheduleMs: [],
        seed: 9,
      });

      const answers = new Map<string, Map<string, number>>();
      const wrong: string[] = [];
      let index = 0;
      const worker = async () => {
        for (;;) {
          const item = cases[index++];
          if (item === undefined) return;
          const response = await rawRequest(port, item.request);
          const status = String(response.status ?? 'none');
          const byKind = answers.get(item.kind) ?? new Map<string, number>();
          byKind.set(status, (byKind.get(status) ?? 0) + 1);
          answers.set(item.kind, byKind);
          if (response.status !== item.status)
            wrong.push(`${item.kind}: ${status} (expected ${item.status}) ${response.body.slice(0, 120)}`);
          else if (item.status !== 200 && !response.body.includes('"code"'))
            wrong.push(`${item.kind}: body without an error code`);
        }
      };
      await Promise.all(Array.from({ length: 16 }, worker));
      const ledger = await valid;

      const fiveHundreds = [...answers.values()].flatMap((m) => [...m]).filter(([s]) => s.startsWith('5'));
      expect(fiveHundreds).toEqual([]);
      expect(wrong.slice(0, 20)).toEqual([]);
      // The valid traffic went through, first time, during the attack.
      expect(ledger.fiveHundreds()).toBe(0);
      expect(ledger.acknowledged.size).toBe(deliveries.length);
      // ... and after it; the process is alive and ready.
      expect(await (await fetch(`${ingest.url}/readyz`)).json()).toEqual({ status: 'ready' });

      const after = await messagesPerTopic(admin, ingest);
      const parked = cases.filter((c) => c.parked).length;
      const published = Object.entries(after)
        .filter(([key]) => key !== 'unrouted')
        .reduce((sum, [key, n]) => sum + n - (before[key] ?? 0), 0);
      expect(after['unrouted']).toBe((before['unrouted'] ?? 0) + parked);
      expect(published).toBe(deliveries.length);
      console.log(
        `hostile input: ${cases.length} requests in ${answers.size} kinds, 0 x 5xx; ${deliveries.length} valid deliveries all 2xx; ${parked} signed-but-unroutable parked`,
      );
    }, 180_000);
  },
);
