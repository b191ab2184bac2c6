import { setTimeout as sleep } from 'node:timers/promises';
import { type LocalKafka, startKafka, stopKafka } from '@okendo/infra/local';
import { FIXTURES } from '@okendo/schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInfra, titleWithSkipReason } from '../harness/infra.js';
import { startTestIngest, type TestIngest } from '../harness/ingest.js';
import { signedHeaders } from '../harness/webhook-signer.js';

const infra = runInfra();
const PUBLISH_TIMEOUT_MS = 2_000;

/**
 * Stops a broker under the ingest. This test owns its broker (a native one, separate from the run's shared
 * one), because stopping the shared broker would disturb the other test files running beside it.
 */
describe.skipIf(infra.kafka === undefined)(
  titleWithSkipReason('ingest: never 2xx while the broker is down, 2xx again after', infra.unavailable.kafka),
  () => {
    let kafka: LocalKafka;
    let ingest: TestIngest;

    beforeAll(async () => {
      kafka = await startKafka();
      ingest = await startTestIngest(kafka.brokers, {
        INGEST_PUBLISH_TIMEOUT_MS: String(PUBLISH_TIMEOUT_MS),
      });
    });

    afterAll(async () => {
      await ingest?.stop();
      if (kafka) await stopKafka(kafka, { graceMs: 5_000 });
    });

    const post = async (i: number) => {
      const fixture = FIXTURES[i % FIXTURES.length];
      if (fixture === undefined) throw new Error('no fixture');
      const started = Date.now();
      const response = await fetch(`${ingest.url}/webhooks/okendo`, {
        method: 'POST',
        headers: signedHeaders(ingest.secret, fixture.body, { id: `msg_outage_${i}` }),
        body: fixture.body,
      });
      await response.arrayBuffer();
      return {
        status: response.status,
        retryAfter: response.headers.get('retry-after'),
        ms: Date.now() - started,
      };
    };

    it('answers 503 with Retry-After within the publish timeout, then 2xx once the broker is back', async () => {
      expect((await post(0)).status).toBe(200);

      await stopKafka(kafka, { keepData: true, graceMs: 10_000 });
      const during = await Promise.all(Array.from({ length: 8 }, (_, i) => post(100 + i)));
      expect(during.filter((r) => r.status >= 200 && r.status < 300)).toHaveLength(0);
      for (const answer of during) {
        expect(answer.status).toBe(503);
        expect(answer.retryAfter).toBe('5');
        expect(answer.ms).toBeLessThan(PUBLISH_TIMEOUT_MS + 3_000);
      }
      expect((await fetch(`${ingest.url}/readyz`)).status).toBe(503);

      kafka = await startKafka({ reuse: kafka });
      // As the sender does: retry until accepted (bounded).
      let after = await post(200);
      for (let attempt = 0; after.status !== 200 && attempt < 40; attempt++) {
        await sleep(500);
        after = await post(200);
      }
      expect(after.status).toBe(200);
      expect((await post(201)).status).toBe(200);
    });
  },
);
