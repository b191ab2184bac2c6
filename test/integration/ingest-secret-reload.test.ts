/**
 * The ingest re-reads its secrets file without a restart, against a real broker and the ingest as its own
 * process: polling sees an atomic rename while signed deliveries stream in (none fails), SIGHUP reloads at
 * once, a secret past its notAfter gets 401, and a malformed file keeps the old secrets.
 */

import { readFileSync } from 'node:fs';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type SourceSecretEntry, writeWebhookSourcesFile } from '@okendo/common';
import { waitUntil } from '@okendo/infra/local';
import { FIXTURES } from '@okendo/schemas';
import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInfra, titleWithSkipReason } from '../harness/infra.js';
import { type IngestProcess, messagesPerTopic, metricValue, spawnTestIngest } from '../harness/ingest.js';
import { kafkaClient } from '../harness/kafka.js';
import { uniqueName } from '../harness/names.js';
import { newWebhookSecret, signedHeaders } from '../harness/webhook-signer.js';

const infra = runInfra();
const POLL_INTERVAL_MS = 200;
/** A wait, not a timed assertion: a reload normally lands within one poll interval. */
const RELOAD_DEADLINE_MS = 30_000;
const SOURCE = 'shop-a';

const oldSecret = newWebhookSecret();
const newSecret = newWebhookSecret();
const oldEntry: SourceSecretEntry = {
  secret: oldSecret,
  label: 'wh_test#1',
  subscriptionId: 'sub-test',
  addedAt: '2026-12-02T01:00:00Z',
};
const newEntry: SourceSecretEntry = { secret: newSecret, label: 'wh_test#2', subscriptionId: 'sub-test' };

describe.skipIf(infra.kafka === undefined)(
  titleWithSkipReason('ingest: the secrets file reloads without a restart', infra.unavailable.kafka),
  () => {
    let dir: string;
    let polled: IngestProcess;
    let hupped: IngestProcess;
    let polledFile: string;
    let huppedFile: string;
    let admin: Admin;
    let sent = 0;

    beforeAll(async () => {
      const brokers = infra.kafka?.brokers ?? '';
      dir = await mkdtemp(join(tmpdir(), 'ingest-secret-reload-'));
      polledFile = join(dir, 'polled', 'webhook-sources.json');
      huppedFile = join(dir, 'hupped', 'webhook-sources.json');
      await writeWebhookSourcesFile(polledFile, { [SOURCE]: [oldEntry] });
      await writeWebhookSourcesFile(huppedFile, { [SOURCE]: [oldEntry] });
      [polled, hupped] = await Promise.all([
        spawnTestIngest(
          brokers,
          {
            OKENDO_WEBHOOK_SOURCES_FILE: polledFile,
            INGEST_SECRETS_RELOAD_INTERVAL_MS: String(POLL_INTERVAL_MS),
          },
          { logFile: join(dir, 'polled.log'), name: 'ingest (polling)' },
        ),
        // Polling once an hour: only SIGHUP can explain a reload here.
        spawnTestIngest(
          brokers,
          { OKENDO_WEBHOOK_SOURCES_FILE: huppedFile, INGEST_SECRETS_RELOAD_INTERVAL_MS: '3600000' },
          { logFile: join(dir, 'hupped.log'), name: 'ingest (SIGHUP)' },
        ),
      ]);
      admin = kafkaClient(brokers).admin();
      await admin.connect();
    });

    afterAll(async () => {
      await admin?.disconnect();
      await Promise.all([polled?.stop(), hupped?.stop()]);
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    const post = async (ingest: IngestProcess, secret: string) => {
      const fixture = FIXTURES[0];
      if (fixture === undefined) throw new Error('no fixture');
      const id = uniqueName('msg_reload');
      const response = await fetch(`${ingest.url}/webhooks/okendo/${SOURCE}`, {
        method: 'POST',
        headers: signedHeaders(secret, fixture.body, { id }),
        body: fixture.body,
      });
      const answer = (await response.json()) as { error?: { code?: string } };
      if (response.status === 200) sent += 1;
      return { id, status: response.status, code: answer.error?.code };
    };
    const reloads = (ingest: IngestProcess, outcome: 'ok' | 'failed') =>
      metricValue(ingest.url, 'ingest_secrets_reloads_total', { outcome });
    const waitForReload = async (ingest: IngestProcess, outcome: 'ok' | 'failed', after: number) =>
      waitUntil(
        `a ${outcome} reload of ${ingest.logFile}`,
        async () => (await reloads(ingest, outcome)) > after,
        {
          timeoutMs: RELOAD_DEADLINE_MS,
          intervalMs: 50,
        },
      );
    const logLines = (ingest: IngestProcess): Array<Record<string, unknown>> =>
      readFileSync(ingest.logFile, 'utf8')
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    /** Replaces the file the way an editor or the CLI should: write elsewhere, rename over. */
    const replaceRaw = async (path: string, text: string) => {
      const temp = `${path}.${process.pid}.tmp`;
      await writeFile(temp, text, { mode: 0o600 });
      await rename(temp, path);
    };

    it('picks up a new secret by polling while a stream of signed deliveries runs, failing none', async () => {
      const before = await messagesPerTopic(admin, polled);
      const sentBefore = sent;
      const statuses: number[] = [];
      let streaming = true;
      const stream = async () => {
        while (streaming) statuses.push((await post(polled, oldSecret)).status);
      };
      const workers = [stream(), stream(), stream(), stream()];
      try {
        // Several atomic rewrites under traffic: the new secret added, the order changed, a source added.
        const versions = [
          { [SOURCE]: [oldEntry, newEntry] },
          { [SOURCE]: [newEntry, oldEntry] },
          { [SOURCE]: [newEntry, oldEntry], 'shop-b': [{ secret: newSecret }] },
        ];
        const acceptedAfterMs: number[] = [];
        for (const version of versions) {
          const oks = await reloads(polled, 'ok');
          await writeWebhookSourcesFile(polledFile, version);
          const written = Date.now();
          // Deliveries signed with the new secret until one is accepted (401 before the reload lands).
          let accepted = false;
          while (!accepted && Date.now() - written < RELOAD_DEADLINE_MS) {
            accepted = (await post(polled, newSecret)).status === 200;
            if (!accepted) await sleep(20);
          }
          acceptedAfterMs.push(Date.now() - written);
          expect(accepted).toBe(true);
          await waitForReload(polled, 'ok', oks);
        }
        // Enough traffic around the swaps to mean something, whatever this machine's speed.
        while (statuses.length < 200) await sleep(20);
        console.log(
          `new secret accepted ${acceptedAfterMs.join(', ')} ms after each rename (poll interval ${POLL_INTERVAL_MS} ms); ${statuses.length} stream deliveries meanwhile`,
        );
      } finally {
        streaming = false;
        await Promise.all(workers);
      }
      expect(statuses.length).toBeGreaterThanOrEqual(200);
      expect(statuses.filter((status) => status !== 200)).toEqual([]);
      // Every 200 is a message on a topic: nothing was answered without being stored.
      const after = await messagesPerTopic(admin, polled);
      const added = Object.entries(after).reduce((sum, [key, n]) => sum + n - (before[key] ?? 0), 0);
      expect(added).toBe(sent - sentBefore);
      expect(
        await metricValue(polled.url, 'ingest_verifications_total', { source: SOURCE, secret: 'wh_test#2' }),
      ).toBeGreaterThanOrEqual(3);
      expect(
        await metricValue(polled.url, 'ingest_verifications_total', { source: SOURCE, secret: 'wh_test#1' }),
      ).toBe(statuses.length);
    });

    it('refuses a secret once its notAfter has passed, at verification time, with no reload in between', async () => {
      const oks = await reloads(polled, 'ok');
      const notAfterMs = Date.now() + 3_000;
      await writeWebhookSourcesFile(polledFile, {
        [SOURCE]: [{ ...oldEntry, notAfter: new Date(notAfterMs).toISOString() }, newEntry],
      });
      await waitForReload(polled, 'ok', oks);
      const reloadsBefore = (await reloads(polled, 'ok')) + (await reloads(polled, 'failed'));
      while (Date.now() <= notAfterMs) await sleep(notAfterMs - Date.now() + 10);
      const refused = await post(polled, oldSecret);
      expect(refused).toMatchObject({ status: 401, code: 'no_valid_signature' });
      expect(await post(polled, newSecret)).toMatchObject({ status: 200 });
      expect((await reloads(polled, 'ok')) + (await reloads(polled, 'failed'))).toBe(reloadsBefore);
      // The request's one log line: its id, the answer, and which (retired) secret it was signed with.
      await waitUntil(
        'the log line of the refused delivery',
        async () => logLines(polled).some((line) => line['messageId'] === refused.id),
        { timeoutMs: 10_000, intervalMs: 50 },
      );
      expect(logLines(polled).find((line) => line['messageId'] === refused.id)).toMatchObject({
        msg: 'request',
        status: 401,
        outcome: 'unauthorized',
        code: 'no_valid_signature',
        source: SOURCE,
        secret: 'wh_test#1',
      });

      // Already past when the file is read: refused from the first request.
      const again = await reloads(polled, 'ok');
      await writeWebhookSourcesFile(polledFile, {
        [SOURCE]: [
          { ...newEntry, notAfter: '2026-01-01T00:00:00Z' },
          { ...oldEntry, label: 'wh_test#3' },
        ],
      });
      await waitForReload(polled, 'ok', again);
      expect(await post(polled, newSecret)).toMatchObject({ status: 401, code: 'no_valid_signature' });
      expect(await post(polled, oldSecret)).toMatchObject({ status: 200 });
    });

    it('keeps the old secrets when the new file is malformed, and logs its problems without a value', async () => {
      const oks = await reloads(polled, 'ok');
      await writeWebhookSourcesFile(polledFile, { [SOURCE]: [oldEntry] });
      await waitForReload(polled, 'ok', oks);
      const fails = await reloads(polled, 'failed');
      const leaked = newWebhookSecret();
      await replaceRaw(polledFile, `{"${SOURCE}": [{"secret": "${leaked}", "label": "x"}, "${newSecret}`);
      await waitForReload(polled, 'failed', fails);
      expect(await post(polled, oldSecret)).toMatchObject({ status: 200 });
      expect(await post(polled, newSecret)).toMatchObject({ status: 401 });

      const fails2 = await reloads(polled, 'failed');
      await replaceRaw(polledFile, JSON.stringify({ [SOURCE]: [{ secret: leaked, notAfter: 'soon' }] }));
      await waitForReload(polled, 'failed', fails2);
      expect(await post(polled, oldSecret)).toMatchObject({ status: 200 });

      const errors = logLines(polled).filter(
        (line) => line['msg'] === 'secrets file not reloaded: keeping the previous secrets',
      );
      expect(errors.map((line) => line['problems'])).toEqual(
        expect.arrayContaining([
          [expect.stringMatching(/^not valid JSON/)],
          [
            `source ${SOURCE} entry #1: "notAfter" must be an ISO date-time with a zone, e.g. 2026-12-03T01:00:00Z`,
          ],
        ]),
      );
      const log = readFileSync(polled.logFile, 'utf8');
      for (const secret of [oldSecret, newSecret, leaked]) expect(log).not.toContain(secret.slice(6, 26));
    });

    it('reloads at once on SIGHUP (polling here is hourly)', async () => {
      await writeWebhookSourcesFile(huppedFile, { [SOURCE]: [oldEntry, newEntry] });
      expect(await post(hupped, newSecret)).toMatchObject({ status: 401, code: 'no_valid_signature' });
      const oks = await reloads(hupped, 'ok');
      hupped.process.child.kill('SIGHUP');
      await waitForReload(hupped, 'ok', oks);
      expect(await post(hupped, newSecret)).toMatchObject({ status: 200 });
      expect(await post(hupped, oldSecret)).toMatchObject({ status: 200 });
      expect(
        await metricValue(hupped.url, 'ingest_verifications_total', { source: SOURCE, secret: 'wh_test#2' }),
      ).toBe(1);
      expect(
        logLines(hupped).find(
          (line) => line['msg'] === 'secrets file reloaded' && line['trigger'] === 'sighup',
        ),
      ).toMatchObject({ sources: { [SOURCE]: ['wh_test#1', 'wh_test#2'] } });
    });
  },
);
