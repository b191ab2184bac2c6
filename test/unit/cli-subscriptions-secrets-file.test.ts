/**
 * The CLI's changes to the ingest's secrets file: labels `<id8>#<n>`, rotation retiring the earlier secrets by
 * notAfter (never extended), expired entries dropped, a delete removing only that subscription's secrets, and
 * the read-modify-write under a lock file.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseWebhookSourcesFile, type WebhookSourcesFile } from '@okendo/common';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  addSecret,
  labelPrefix,
  removeSubscriptionSecrets,
  rotateSecrets,
  secretsFileLocation,
  withSecretsFile,
} from '../../services/cli/src/subscriptions/secrets-file.js';
import { newWebhookSecret } from '../harness/webhook-signer.js';

const T0 = Date.parse('2026-12-02T01:00:00Z');
const HOUR = 3_600_000;
const SUB_A = '8f2c1a7e-0000-4000-8000-00000000000a';
const SUB_B = '3b9d44c0-0000-4000-8000-00000000000b';

describe('labels', () => {
  it('are the first 8 characters of the id and the next free number in the source', () => {
    const first = addSecret({}, 'shop-a', SUB_A, newWebhookSecret(), T0);
    expect(first.label).toBe('8f2c1a7e#1');
    const second = addSecret(first.sources, 'shop-a', SUB_A, newWebhookSecret(), T0);
    expect(second.label).toBe('8f2c1a7e#2');
    expect(addSecret(second.sources, 'other', SUB_A, newWebhookSecret(), T0).label).toBe('8f2c1a7e#1');
    expect(second.sources['shop-a']?.[0]).toMatchObject({
      subscriptionId: SUB_A,
      addedAt: '2026-12-02T01:00:00Z',
    });
  });

  it('replace characters a label cannot hold', () => {
    expect(labelPrefix('a/b c+d=ef')).toBe('a-b-c-d-');
  });
});

describe('rotateSecrets', () => {
  const start = (): WebhookSourcesFile => {
    const a = addSecret({}, 'shop-a', SUB_A, newWebhookSecret(), T0);
    return addSecret(a.sources, 'shop-a', SUB_B, newWebhookSecret(), T0).sources;
  };

  it("adds the new secret and retires only that subscription's earlier ones at now + overlap", () => {
    const secret = newWebhookSecret();
    const rotated = rotateSecrets(start(), 'shop-a', SUB_A, secret, T0 + HOUR, 24 * HOUR);
    expect(rotated.label).toBe('8f2c1a7e#2');
    expect(rotated.retired).toEqual([{ label: '8f2c1a7e#1', notAfter: '2026-12-03T02:00:00Z' }]);
    expect(rotated.dropped).toEqual([]);
    const entries = rotated.sources['shop-a'] ?? [];
    expect(entries.map((e) => [e.label, e.notAfter])).toEqual([
      ['8f2c1a7e#1', '2026-12-03T02:00:00Z'],
      ['3b9d44c0#1', undefined],
      ['8f2c1a7e#2', undefined],
    ]);
    expect(entries[2]?.secret).toBe(secret);
    expect(parseWebhookSourcesFile(JSON.stringify(rotated.sources)).ok).toBe(true);
  });

  it('never extends an earlier notAfter, and drops what has passed', () => {
    const once = rotateSecrets(start(), 'shop-a', SUB_A, newWebhookSecret(), T0, 2 * HOUR);
    // A second rotation an hour later with a long overlap: #1 keeps its earlier end, #2 gets now + 24h.
    const twice = rotateSecrets(once.sources, 'shop-a', SUB_A, newWebhookSecret(), T0 + HOUR, 24 * HOUR);
    expect(twice.retired).toEqual([
      { label: '8f2c1a7e#1', notAfter: '2026-12-02T03:00:00Z' },
      { label: '8f2c1a7e#2', notAfter: '2026-12-03T02:00:00Z' },
    ]);
    // Three hours on, #1 has passed: it is dropped; its label is not reused while #2 and #3 stand.
    const third = rotateSecrets(twice.sources, 'shop-a', SUB_A, newWebhookSecret(), T0 + 3 * HOUR, HOUR);
    expect(third.dropped).toEqual(['8f2c1a7e#1']);
    expect(third.label).toBe('8f2c1a7e#4');
    expect((third.sources['shop-a'] ?? []).map((e) => e.label)).toEqual([
      '3b9d44c0#1',
      '8f2c1a7e#2',
      '8f2c1a7e#3',
      '8f2c1a7e#4',
    ]);
  });

  it('keeps the position label of plain-string secrets when entries before them are dropped', () => {
    const plain = newWebhookSecret();
    const sources: WebhookSourcesFile = {
      default: [
        { secret: newWebhookSecret(), label: 'old', subscriptionId: SUB_A, notAfter: '2026-12-02T00:00:00Z' },
        { secret: plain },
      ],
    };
    const rotated = rotateSecrets(sources, 'default', SUB_A, newWebhookSecret(), T0, HOUR);
    expect(rotated.dropped).toEqual(['old']);
    expect(rotated.sources['default']?.[0]).toEqual({ secret: plain, label: '#2' });
  });
});

describe('removeSubscriptionSecrets', () => {
  it("removes that subscription's entries, and the source when it is left empty", () => {
    const a = addSecret({}, 'shop-a', SUB_A, newWebhookSecret(), T0);
    const b = addSecret(a.sources, 'shop-a', SUB_B, newWebhookSecret(), T0);
    const removed = removeSubscriptionSecrets(b.sources, 'shop-a', SUB_A);
    expect(removed.removed).toEqual(['8f2c1a7e#1']);
    expect(removed.sources['shop-a']?.map((e) => e.subscriptionId)).toEqual([SUB_B]);
    const empty = removeSubscriptionSecrets(removed.sources, 'shop-a', SUB_B);
    expect(empty.sources).toEqual({});
    expect(removeSubscriptionSecrets(empty.sources, 'shop-a', SUB_B).removed).toEqual([]);
  });
});

describe('the secrets file on disk', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cli-secrets-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is chosen from --secrets-file, then OKENDO_WEBHOOK_SOURCES_FILE, then the default', () => {
    expect(secretsFileLocation('/x/a.json', { OKENDO_WEBHOOK_SOURCES_FILE: '/y/b.json' })).toEqual({
      path: '/x/a.json',
      from: '--secrets-file',
    });
    expect(secretsFileLocation(undefined, { OKENDO_WEBHOOK_SOURCES_FILE: '/y/b.json' }).from).toBe(
      'OKENDO_WEBHOOK_SOURCES_FILE',
    );
    const fallback = secretsFileLocation(undefined, {});
    expect(fallback.from).toBe('default');
    expect(fallback.path.endsWith('.local/webhook-sources.json')).toBe(true);
  });

  it('is written 0600 where the directory did not exist, in a form the ingest reads', async () => {
    const location = { path: join(dir, 'nested', 'sources.json'), from: '--secrets-file' as const };
    await withSecretsFile(location, (file) =>
      file.write(addSecret(file.sources, 'shop-a', SUB_A, newWebhookSecret(), T0).sources),
    );
    expect((await stat(location.path)).mode & 0o777).toBe(0o600);
    const parsed = parseWebhookSourcesFile(await readFile(location.path, 'utf8'));
    expect(parsed.ok && parsed.sources['shop-a']?.[0]?.label).toBe('8f2c1a7e#1');
  });

  it('serialises two changes: the second sees the first one', async () => {
    const location = { path: join(dir, 'sources.json'), from: '--secrets-file' as const };
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let entered!: () => void;
    const firstHoldsTheLock = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const first = withSecretsFile(location, async (file) => {
      entered();
      await held;
      await file.write(addSecret(file.sources, 'shop-a', SUB_A, newWebhookSecret(), T0).sources);
    });
    // Only once the first holds the lock, so the order is known (before, either could take it first).
    await firstHoldsTheLock;
    const second = withSecretsFile(location, (file) =>
      file.write(addSecret(file.sources, 'shop-a', SUB_B, newWebhookSecret(), T0).sources),
    );
    release();
    await Promise.all([first, second]);
    const parsed = parseWebhookSourcesFile(await readFile(location.path, 'utf8'));
    expect(parsed.ok && parsed.sources['shop-a']?.map((e) => e.subscriptionId)).toEqual([SUB_A, SUB_B]);
  });

  it('takes over a lock left by a process that is gone, and waits for one that runs', async () => {
    const location = { path: join(dir, 'sources.json'), from: '--secrets-file' as const };
    const gone = spawn(process.execPath, ['-e', '']);
    await once(gone, 'exit');
    await writeFile(`${location.path}.lock`, `${gone.pid}\n`);
    await withSecretsFile(location, (file) =>
      file.write(addSecret(file.sources, 'shop-a', SUB_A, newWebhookSecret(), T0).sources),
    );
    await expect(stat(`${location.path}.lock`)).rejects.toMatchObject({ code: 'ENOENT' });
    // A live holder (this very test runner's parent) is waited for, not taken over: released, then taken.
    await writeFile(`${location.path}.lock`, `${process.ppid}\n`);
    let ran = false;
    const waiting = withSecretsFile(location, async (file) => {
      ran = true;
      return file.sources['shop-a']?.length;
    });
    await sleep(300);
    expect(ran).toBe(false);
    await rm(`${location.path}.lock`);
    expect(await waiting).toBe(1);
    // Spawning a process can take seconds on a loaded machine.
  }, 30_000);

  it('refuses a bad file as a configuration error without quoting it', async () => {
    const path = join(dir, 'bad.json');
    await writeFile(path, JSON.stringify({ 'shop-a': ['whsec_notbase64!!'] }));
    const error = await withSecretsFile({ path, from: '--secrets-file' }, async () => 'ran').catch((e) => e);
    expect(error).toMatchObject({ exitCode: 2 });
    expect(String(error.message)).toContain('source shop-a entry #1');
    expect(String(error.message)).not.toContain('notbase64');
  });
});
