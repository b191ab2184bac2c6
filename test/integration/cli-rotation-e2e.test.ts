/**
 * Acceptance of secret rotation, end to end: the Okendo fake delivers a stream of traffic-generator events to
 * the real ingest (its own process, reading a temp secrets file), Kafka, the sink and the ClickHouse server.
 * `subscriptions create` (the CLI as a process) subscribes the ingest and writes the secret; mid-stream
 * `subscriptions rotate-secret --overlap 5s` rotates at Okendo and retires the old secret by notAfter.
 * The stream runs on past the end of the overlap. Then: no delivery was refused (every attempt 2xx), none
 * was lost (each entity's last version is its _current row, checked column by column), both commands are in
 * operator_audit, and a delivery signed with only the old secret gets 401 while the new secret is taken.
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseWebhookSourcesFile, type SourceSecretEntry } from '@okendo/common';
import { waitUntil } from '@okendo/infra/local';
import { RESOURCE_TYPES } from '@okendo/schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInfra, titleWithSkipReason } from '../harness/infra.js';
import { type IngestProcess, metricValue, spawnTestIngest } from '../harness/ingest.js';
import { uniqueName } from '../harness/names.js';
import { type PipelineWithAdmin, sinkEnv, startPipelineWithAdmin } from '../harness/pipeline.js';
import { runOperatorCli } from '../harness/replay-cli.js';
import { checkWarehouse, totalDuplicates } from '../harness/warehouse-checks.js';
import { signedHeaders } from '../harness/webhook-signer.js';
import { FakeOkendo } from '../okendo-fake/fake-okendo.js';
import { DeliveryLedger } from '../traffic/delivery-ledger.js';
import { type PlannedDelivery, planDeliveries } from '../traffic/planned-deliveries.js';

const infra = runInfra();
const SOURCE = 'shop-a';
const USER_ID = '0b5d2a8e-5f1c-4c3e-9a7d-2e6f8b1c4d90';
const API_KEY = 'e2e-okendo-key-4kV9pQ2x';
const OVERLAP_MS = 5_000;
/** Deliveries per emit and the pause between emits: about 24 events/s. */
const CHUNK = 6;
const EMIT_EVERY_MS = 250;
/** How long the stream goes on after the old secret's notAfter, so deliveries cross that instant. */
const AFTER_OVERLAP_MS = 3_000;
/** Waits (not assertions on time): generous for a loaded 2-core machine. */
const WAIT_MS = 120_000;

describe.skipIf(infra.kafka === undefined || infra.clickhouse === undefined)(
  titleWithSkipReason(
    'secret rotation end to end: Okendo fake -> ingest -> Kafka -> sink -> ClickHouse server',
    infra.unavailable.kafka ?? infra.unavailable.clickhouse,
  ),
  () => {
    let dir: string;
    let secretsFile: string;
    let fake: FakeOkendo;
    let ingest: IngestProcess;
    let started: PipelineWithAdmin;
    let warehouseEnv: Record<string, string>;
    const fakeLog: string[] = [];
    const actor = uniqueName('e2e-rotation');

    beforeAll(async () => {
      const brokers = infra.kafka?.brokers ?? '';
      const endpoint = infra.clickhouse;
      if (endpoint === undefined) throw new Error('unreachable: suite is skipped');
      warehouseEnv = sinkEnv({ kind: 'server', endpoint }, '');
      dir = await mkdtemp(join(tmpdir(), 'cli-rotation-e2e-'));
      secretsFile = join(dir, 'webhook-sources.json');
      fake = await FakeOkendo.start({
        userId: USER_ID,
        apiKey: API_KEY,
        // Compressed: a refused delivery would be retried within a second or two, and show in attempts().
        retryScheduleMs: [0, 200, 500, 1_000, 2_000],
        deliveryTimeoutMs: 15_000,
        log: (line) => fakeLog.push(line),
      });
      // The ingest starts before the file exists, as on a fresh install; polling picks the file up.
      ingest = await spawnTestIngest(
        brokers,
        { OKENDO_WEBHOOK_SOURCES_FILE: secretsFile, INGEST_SECRETS_RELOAD_INTERVAL_MS: '200' },
        { logFile: join(dir, 'ingest.log'), name: 'ingest (rotation e2e)' },
      );
      // The pipeline's sink consumes this ingest's topics (its own in-process ingest stays idle).
      started = await startPipelineWithAdmin(
        brokers,
        { kind: 'server', endpoint },
        { KAFKA_TOPIC_PREFIX: ingest.prefix },
      );
    }, WAIT_MS);

    afterAll(async () => {
      await fake?.stop();
      await ingest?.stop();
      await started?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    const cliEnv = () => ({
      OKENDO_API_URL: fake.url,
      OKENDO_USER_ID_SHOP_A: USER_ID,
      OKENDO_API_KEY_SHOP_A: API_KEY,
      OKENDO_WEBHOOK_SOURCES_FILE: secretsFile,
      OKENDO_PIPELINE_ACTOR: actor,
      // The audit rows go straight to the server, as an operator's CLI would write them.
      ...warehouseEnv,
      CLICKHOUSE_DATABASE: started.pipeline.database,
    });
    const webhookUrl = () => `${ingest.url}/webhooks/okendo/${SOURCE}`;
    const entries = async (): Promise<SourceSecretEntry[]> => {
      const parsed = parseWebhookSourcesFile(await readFile(secretsFile, 'utf8'));
      if (!parsed.ok) throw new Error(parsed.problems.join('; '));
      return parsed.sources[SOURCE] ?? [];
    };
    const post = async (delivery: PlannedDelivery, secret: string) => {
      const response = await fetch(webhookUrl(), {
        method: 'POST',
        headers: signedHeaders(secret, delivery.body, { id: `${delivery.messageId}_probe` }),
        body: delivery.body,
      });
      const body = (await response.json()) as { error?: { code?: string } };
      return { status: response.status, code: body.error?.code };
    };

    it(
      'rotates mid-stream with no delivery refused or lost, audited, and the old secret refused after the overlap',
      async () => {
        // 1. Subscribe the ingest to all seven resource types the pipeline knows.
        const create = await runOperatorCli(
          [
            '--json',
            'subscriptions',
            'create',
            '--source',
            SOURCE,
            '--url',
            webhookUrl(),
            '--resource-types',
            RESOURCE_TYPES.join(','),
          ],
          cliEnv(),
        );
        expect(create.code, create.stderr).toBe(0);
        const subscriptionId = JSON.parse(create.stdout).subscription.webhookSubscriptionId as string;
        const [oldSecret] = fake.currentSecrets(subscriptionId);
        if (oldSecret === undefined) throw new Error('the fake has no secret for the subscription');
        expect(create.stdout + create.stderr).not.toContain(oldSecret);
        expect((await stat(secretsFile)).mode & 0o777).toBe(0o600);

        // The ingest knows the source once it has read the file: 404 unknown_source before, 401 after.
        const plan = planDeliveries({
          prefix: uniqueName('rot'),
          entities: 2_000,
          maxVersionsPerEntity: 3,
          deleteRatio: 0.1,
          seed: 12,
        });
        const [probe, ...stream] = plan;
        if (probe === undefined) throw new Error('empty plan');
        await waitUntil(
          'the ingest to read the new secrets file',
          async () =>
            (
              await fetch(webhookUrl(), {
                method: 'POST',
                headers: { 'content-type': 'application/json' },
                body: '{}',
              })
            ).status !== 404,
          { timeoutMs: WAIT_MS, intervalMs: 100 },
        );

        // 2. The stream: CHUNK deliveries every EMIT_EVERY_MS until AFTER_OVERLAP_MS past the old notAfter.
        const emitted: PlannedDelivery[] = [];
        let stopAt: number | undefined;
        const streaming = (async () => {
          for (let next = 0; stopAt === undefined || Date.now() < stopAt; next += CHUNK) {
            const chunk = stream.slice(next, next + CHUNK);
            if (chunk.length === 0) throw new Error('the plan ran out before the stream was to end');
            fake.emit(chunk);
            emitted.push(...chunk);
            await sleep(EMIT_EVERY_MS);
          }
        })();

        // 3. Mid-stream: once deliveries have been taken with the old secret alone, rotate.
        await waitUntil('deliveries before the rotation', async () => fake.attempts().length >= 4 * CHUNK, {
          timeoutMs: WAIT_MS,
          intervalMs: 50,
        });
        const rotateStarted = Date.now();
        const rotate = await runOperatorCli(
          [
            '--json',
            'subscriptions',
            'rotate-secret',
            subscriptionId,
            '--source',
            SOURCE,
            '--overlap',
            `${OVERLAP_MS / 1_000}s`,
          ],
          cliEnv(),
        );
        const rotateMs = Date.now() - rotateStarted;
        expect(rotate.code, rotate.stderr).toBe(0);
        const rotated = JSON.parse(rotate.stdout) as {
          secretLabel: string;
          retired: Array<{ label: string; notAfter: string }>;
        };
        const prefix = subscriptionId.slice(0, 8);
        expect(rotated.secretLabel).toBe(`${prefix}#2`);
        expect(rotated.retired.map((r) => r.label)).toEqual([`${prefix}#1`]);
        const notAfterMs = Date.parse(rotated.retired[0]?.notAfter ?? '');
        stopAt = notAfterMs + AFTER_OVERLAP_MS;
        const [newSecret] = fake.currentSecrets(subscriptionId);
        if (newSecret === undefined || newSecret === oldSecret) throw new Error('the fake did not rotate');
        expect(rotate.stdout + rotate.stderr).not.toContain(newSecret);

        await streaming;
        await fake.idle(WAIT_MS);

        // 4. Nothing refused: one attempt per message, every one 2xx; the stream crossed the rotation and the
        //    end of the overlap (else the test would prove nothing).
        const attempts = fake.attempts();
        const refused = attempts.filter(
          (a) => typeof a.status !== 'number' || a.status < 200 || a.status >= 300,
        );
        expect(refused).toEqual([]);
        expect(new Set(attempts.map((a) => a.messageId))).toEqual(new Set(emitted.map((d) => d.messageId)));
        expect(attempts).toHaveLength(emitted.length);
        const before = attempts.filter((a) => a.at < rotateStarted).length;
        const dualSigned = attempts.filter((a) => a.signedWith === 2).length;
        const afterOverlap = attempts.filter((a) => a.at > notAfterMs).length;
        expect(before).toBeGreaterThan(0);
        expect(dualSigned).toBeGreaterThan(0);
        expect(afterOverlap).toBeGreaterThan(0);
        // The file as the ingest read it: the old secret retired at notAfter, the new one open-ended.
        expect((await entries()).map((e) => [e.label, e.secret, e.notAfter])).toEqual([
          [`${prefix}#1`, oldSecret, rotated.retired[0]?.notAfter],
          [`${prefix}#2`, newSecret, undefined],
        ]);
        const inFileMs = Date.parse((await entries())[1]?.addedAt ?? '') - rotateStarted;
        // After the overlap only the new secret can have verified them.
        const verified = (label: string) =>
          metricValue(ingest.url, 'ingest_verifications_total', { source: SOURCE, secret: label });
        expect(await verified(`${prefix}#2`)).toBeGreaterThanOrEqual(afterOverlap);
        expect(await verified(`${prefix}#1`)).toBeGreaterThan(0);

        // 5. Nothing lost: every acknowledged message in events, every entity's last version its _current row.
        const ledger = new DeliveryLedger();
        const byId = new Map(emitted.map((d) => [d.messageId, d]));
        for (const attempt of attempts) {
          const delivery = byId.get(attempt.messageId);
          if (delivery !== undefined && typeof attempt.status === 'number')
            ledger.recordAttempt(delivery, attempt.status);
        }
        const { pipeline, admin } = started;
        await pipeline.waitFor<{ n: string }>(
          `SELECT uniqExact(message_id) AS n FROM ${pipeline.database}.events`,
          (rows) => Number(rows[0]?.n) >= emitted.length,
          WAIT_MS,
        );
        const check = await checkWarehouse(admin, pipeline.database, ledger.expectedState());
        expect(check.mismatches).toEqual([]);
        expect(check.wrongState).toBe(0);
        expect(totalDuplicates(check.duplicates)).toBe(0);

        // 6. Audited: both commands, ok, naming the subscription and the labels, never a secret.
        const audits = await pipeline.sql<{
          command: string;
          target: string;
          outcome: string;
          detail: string;
        }>(
          `SELECT command, target, outcome, detail FROM ${pipeline.database}.operator_audit WHERE actor = '${actor}' ORDER BY at_ms`,
        );
        expect(audits.map((a) => [a.command, a.target, a.outcome])).toEqual([
          ['subscriptions create', `${SOURCE}/${subscriptionId}`, 'ok'],
          ['subscriptions rotate-secret', `${SOURCE}/${subscriptionId}`, 'ok'],
        ]);
        expect(audits[1]?.detail).toContain(`new ${prefix}#2; overlap 5s; retired ${prefix}#1 until`);
        expect(JSON.stringify(audits)).not.toContain(oldSecret.slice(6));
        expect(JSON.stringify(audits)).not.toContain(newSecret.slice(6));

        // 7. After the overlap: the old secret alone is refused, the new one taken.
        expect(Date.now()).toBeGreaterThan(notAfterMs);
        expect(await post(probe, oldSecret)).toEqual({ status: 401, code: 'no_valid_signature' });
        expect((await post(probe, newSecret)).status).toBe(200);
        const ingestLog = await readFile(ingest.logFile, 'utf8');
        for (const secret of [oldSecret, newSecret]) {
          expect(ingestLog).not.toContain(secret.slice(6));
          expect(fakeLog.join('\n')).not.toContain(secret.slice(6));
        }
        expect(fakeLog.join('\n')).not.toContain(API_KEY);

        console.info(
          `rotation e2e: ${emitted.length} deliveries (${before} before the rotation, ${dualSigned} signed with both secrets, ${afterOverlap} after the overlap), rotate-secret took ${rotateMs} ms as a process (the new secret in the file after about ${inFileMs} ms, whole seconds), 0 refused, 0 lost`,
        );
      },
      4 * WAIT_MS,
    );
  },
);
