/**
 * `npm run okendo:fake` as a process: a clear error without credentials, `OKENDO_API_URL=` once it listens, a
 * steady stream of signed events to a subscription created through the client, and exit 0 on SIGTERM.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OkendoClient, OkendoCredentials, SUBSCRIPTION_TOPICS } from '@okendo/okendo-api';
import { RESOURCE_TYPES } from '@okendo/schemas';
import { Webhook } from 'svix';
import { afterEach, describe, expect, it } from 'vitest';
import { finished, spawnScript } from '../harness/replay-cli.js';

const MAIN = 'test/okendo-fake/main.ts';
const userId = randomUUID();
const apiKey = randomBytes(16).toString('hex');

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const step of cleanup.splice(0)) step();
});

describe('npm run okendo:fake', () => {
  it('refuses to start without OKENDO_USER_ID and OKENDO_API_KEY, naming both', async () => {
    const run = await finished(
      spawnScript(MAIN, [], { OKENDO_USER_ID: undefined, OKENDO_API_KEY: undefined }),
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('OKENDO_USER_ID: required');
    expect(run.stderr).toContain('OKENDO_API_KEY: required');
    expect(run.stdout).toBe('');
  }, 30_000); // starting tsx takes seconds on a busy machine

  it('prints OKENDO_API_URL, streams signed events to an enabled subscription, and stops on SIGTERM', async () => {
    const bodies: Array<{ body: string; headers: Record<string, string> }> = [];
    const receiver = createServer(async (request, response) => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const headers = Object.fromEntries(
        ['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((name) => [
          name,
          String(request.headers[name]),
        ]),
      );
      bodies.push({ body: Buffer.concat(chunks).toString('utf8'), headers });
      response.writeHead(200).end();
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => receiver.close());

    const child = spawnScript(MAIN, [], {
      OKENDO_USER_ID: userId,
      OKENDO_API_KEY: apiKey,
      OKENDO_FAKE_PORT: '0',
      OKENDO_FAKE_RATE: '20',
    });
    cleanup.push(() => child.kill('SIGKILL'));
    const ended = finished(child);
    let stdout = '';
    const baseUrl = await new Promise<string>((resolve, reject) => {
      child.stdout?.on('data', (chunk) => {
        stdout += chunk;
        const url = /^OKENDO_API_URL=(\S+)$/m.exec(stdout)?.[1];
        if (url) resolve(url);
      });
      child.once('close', (code) => reject(new Error(`okendo:fake ended (${code}) before printing its URL`)));
    });

    const client = new OkendoClient({ credentials: new OkendoCredentials(userId, apiKey), baseUrl });
    const created = await client.createSubscription({
      endpointUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/okendo`,
      isEnabled: true,
      subscriptions: RESOURCE_TYPES.flatMap((resourceType) =>
        SUBSCRIPTION_TOPICS.map((topic) => ({ resourceType, topic })),
      ),
    });
    if (!created.ok) throw new Error(created.error.message);
    for (let waited = 0; bodies.length < 5; waited += 20) {
      if (waited > 20_000) throw new Error(`only ${bodies.length} events arrived`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const webhook = new Webhook(created.value.webhookSecret);
    for (const { body, headers } of bodies.slice(0, 5)) {
      expect(() => webhook.verify(body, headers)).not.toThrow();
      expect(JSON.parse(body)).toMatchObject({ version: '2025-02-01', resource: expect.any(Object) });
    }
    expect(new Set(bodies.map((b) => b.headers['webhook-id'])).size).toBe(bodies.length);

    child.kill('SIGTERM');
    const run = await ended;
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe(`OKENDO_API_URL=${baseUrl}`);
    for (const hidden of [apiKey, created.value.webhookSecret]) expect(run.stderr).not.toContain(hidden);
  }, 60_000);
});
