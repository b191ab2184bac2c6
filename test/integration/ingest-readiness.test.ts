import { setTimeout as sleep } from 'node:timers/promises';
import { type LocalKafka, startKafka, stopKafka } from '@okendo/infra/local';
import { FIXTURES } from '@okendo/schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInfra, titleWithSkipReason } from '../harness/infra.js';
import { startTestIngest, type TestIngest } from '../harness/ingest.js';
import { signedHeaders } from '../harness/webhook-signer.js';

const infra = runInfra();
const PUBLISH_TIMEOUT_MS = 2_000;
/** A wait, not a timed assertion: healing normally takes a few seconds (the reconnect backoff cap). */
const HEAL_DEADLINE_MS = 90_000;

/**
 * Behind a load balancer a pod that is not ready gets no webhooks, so readiness must come back by itself.
 * This test owns its broker (stopping the run's shared one would disturb the other files).
 */
describe.skipIf(infra.kafka === undefined)(
  titleWithSkipReason('ingest: /readyz heals after a broker blip with no traffic', infra.unavailable.kafka),
  () => {
    let kafka: LocalKafka;
    let ingest: TestIngest;

    beforeAll(async () => {
      kafka = await startKafka();
      ingest = await startTestIngest(kafka.brokers, {
        INGEST_PUBLISH_TIMEOUT_MS: String(PUBLISH_TIMEOUT_MS),
        INGEST_RECONNECT_MAX_BACKOFF_MS: '2000',
      });
    });

    afterAll(async () => {
      await ingest?.stop();
      if (kafka) await stopKafka(kafka, { graceMs: 5_000 });
    });

    const post = async (id: string): Promise<number> => {
      const fixture = FIXTURES[0];
      if (fixture === undefined) throw new Error('no fixture');
      const response = await fetch(`${ingest.url}/webhooks/okendo`, {
        method: 'POST',
        headers: signedHeaders(ingest.secret, fixture.body, { id }),
        body: fixture.body,
      });
      await response.arrayBuffer();
      return response.status;
    };
    const readyz = async (): Promise<number> => {
      const response = await fetch(`${ingest.url}/readyz`);
      await response.arrayBuffer();
      return response.status;
    };

    const readyzState = async (): Promise<{ status: number; reason: string }> => {
      const response = await fetch(`${ingest.url}/readyz`);
      const body = (await response.json()) as { reason?: unknown };
      return { status: response.status, reason: typeof body.reason === 'string' ? body.reason : '' };
    };
    const givenUp = (state: { status: number; reason: string }): boolean =>
      state.status === 503 && !/a batch has waited/.test(state.reason);

    it('returns to 200 once the broker is back, before any webhook arrives', async () => {
      expect(await readyz()).toBe(200);
      expect(await post('msg_ready_before')).toBe(200);

      await stopKafka(kafka, { keepData: true, graceMs: 10_000 });
      expect(await post('msg_ready_during')).toBe(503);
      // The 503 comes at the publish timeout while kafkajs still retries the batch; a broker back before it
      // gives up would finish that batch and prove nothing. Wait until the ingest has given the batch up:
      // not ready, and no longer because a batch is waiting.
      const givenUpBy = Date.now() + HEAL_DEADLINE_MS;
      let state = await readyzState();
      while (!givenUp(state) && Date.now() < givenUpBy) {
        await sleep(250);
        state = await readyzState();
      }
      expect(givenUp(state)).toBe(true);

      kafka = await startKafka({ reuse: kafka });
      // No webhook from here until /readyz says 200: only the ingest's own probe can heal it.
      const deadline = Date.now() + HEAL_DEADLINE_MS;
      let status = await readyz();
      while (status !== 200 && Date.now() < deadline) {
        await sleep(250);
        status = await readyz();
      }
      expect(status).toBe(200);
      expect(await post('msg_ready_after')).toBe(200);
    });
  },
);
