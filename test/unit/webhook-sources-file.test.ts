import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  parseWebhookSourcesFile,
  readWebhookSourcesFile,
  secretIsValidAt,
  secretLabel,
  type WebhookSourcesFile,
  writeWebhookSourcesFile,
} from '@okendo/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newWebhookSecret } from '../harness/webhook-signer.js';

const secret = newWebhookSecret();
const other = newWebhookSecret();

function problemsOf(value: unknown): string[] {
  const parsed = parseWebhookSourcesFile(typeof value === 'string' ? value : JSON.stringify(value));
  return parsed.ok ? [] : parsed.problems;
}

describe('parseWebhookSourcesFile', () => {
  it('reads plain strings as { secret } and keeps the object fields', () => {
    const parsed = parseWebhookSourcesFile(
      JSON.stringify({
        default: [secret],
        'shop-a': [
          {
            secret,
            label: 'wh_8f2c1a#1',
            subscriptionId: 'sub-1',
            addedAt: '2026-12-02T01:00:00Z',
            notAfter: '2026-12-03T01:00:00.000+01:00',
          },
          { secret: other, label: 'wh_8f2c1a#2' },
        ],
      }),
    );
    expect(parsed).toEqual({
      ok: true,
      sources: {
        default: [{ secret }],
        'shop-a': [
          {
            secret,
            label: 'wh_8f2c1a#1',
            subscriptionId: 'sub-1',
            addedAt: '2026-12-02T01:00:00Z',
            notAfter: '2026-12-03T01:00:00.000+01:00',
          },
          { secret: other, label: 'wh_8f2c1a#2' },
        ],
      },
    });
  });

  it('accepts an empty object and a source with an empty list', () => {
    expect(parseWebhookSourcesFile('{}')).toEqual({ ok: true, sources: {} });
    expect(parseWebhookSourcesFile('{"a":[]}')).toEqual({ ok: true, sources: { a: [] } });
  });

  it('names every problem by source and position', () => {
    expect(
      problemsOf({
        'Bad Name': [secret],
        a: 'whsec_x',
        b: [
          'nope',
          { secret, label: 'has space' },
          { secret, notAfter: 'tomorrow', addedAt: '2026-12-02T01:00:00' },
          { label: 'x' },
          { secret, notafter: '2026-12-03T01:00:00Z' },
          42,
        ],
        c: [secret, { secret: other, label: '#1' }],
      }),
    ).toEqual([
      'source #1: its name must match /^[a-z0-9][a-z0-9_-]{0,62}$/',
      'source a: expected a list of secrets',
      'source b entry #1: the secret does not start with "whsec_"',
      'source b entry #2: "label" must match /^[A-Za-z0-9._:#@-]{1,64}$/',
      'source b entry #3: "addedAt" must be an ISO date-time with a zone, e.g. 2026-12-02T01:00:00Z',
      'source b entry #3: "notAfter" must be an ISO date-time with a zone, e.g. 2026-12-03T01:00:00Z',
      'source b entry #4: "secret" must be a "whsec_..." string',
      'source b entry #5: unknown field(s) "notafter"',
      'source b entry #6: expected a "whsec_..." string or an object with "secret"',
      'source c entry #2: label #1 is used twice in this source',
    ]);
  });

  it('never quotes a secret, wherever it sits in a bad file', () => {
    const leaky = 'whsec_!!not-base64-but-still-secret';
    const alphanumeric = `whsec_${'Q'.repeat(32)}`;
    const cases: string[] = [
      `{"a": ["${leaky}"`, // truncated JSON: Node 22+ quotes the text in JSON.parse's message
      `{"a": [${leaky}]}`,
      JSON.stringify({ [secret]: [secret] }),
      JSON.stringify({ a: [leaky] }),
      JSON.stringify({ a: [{ secret: leaky }] }),
      JSON.stringify({ a: [{ secret, label: secret }] }),
      JSON.stringify({ a: [{ secret, label: alphanumeric }] }), // a valid label's characters, yet a secret
      JSON.stringify({ a: [{ secret, subscriptionId: 7, notAfter: secret, addedAt: secret }] }),
      JSON.stringify({ a: [{ secret: 'whsec_c2hvcnQ=' }] }),
      JSON.stringify({
        a: [
          { secret, label: 'x' },
          { secret: other, label: 'x' },
        ],
      }),
    ];
    for (const text of cases) {
      const problems = problemsOf(text).join('\n');
      expect(problems).not.toBe('');
      for (const value of [leaky, secret, other, secret.slice(6, 20), 'c2hvcnQ', 'not-base64', 'QQQQQQ'])
        expect(problems).not.toContain(value);
    }
  });
});

describe('secretLabel and secretIsValidAt', () => {
  it('defaults the label to the position, and stops accepting at notAfter', () => {
    expect(secretLabel({ secret }, 2)).toBe('#3');
    expect(secretLabel({ secret, label: 'l' }, 2)).toBe('l');
    const at = Date.parse('2026-12-03T01:00:00Z');
    expect(secretIsValidAt({ secret }, at)).toBe(true);
    expect(secretIsValidAt({ secret, notAfter: '2026-12-03T01:00:00Z' }, at - 1)).toBe(true);
    expect(secretIsValidAt({ secret, notAfter: '2026-12-03T01:00:00Z' }, at)).toBe(false);
  });
});

describe('readWebhookSourcesFile and writeWebhookSourcesFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sources-file-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a missing file as {}', async () => {
    expect(await readWebhookSourcesFile(join(dir, 'absent.json'))).toEqual({});
  });

  it('throws naming the problems of a bad file, not its secrets', async () => {
    const path = join(dir, 'bad.json');
    await writeFile(path, JSON.stringify({ a: [{ secret: 'whsec_c2hvcnQ=', label: secret }] }));
    const error = await readWebhookSourcesFile(path).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toContain('source a entry #1: the secret decodes to 5 bytes');
    // A random secret fails one label rule or the other (the pattern, or "must not be a secret"): the field counts.
    expect(error?.message).toContain('source a entry #1: "label" must');
    expect(error?.message).not.toContain('c2hvcnQ');
    expect(error?.message).not.toContain(secret);
  });

  it('writes atomically: mode 0600, no temp file left, the directory created, round-trips', async () => {
    const path = join(dir, 'nested', 'deeper', 'sources.json');
    const sources: WebhookSourcesFile = {
      default: [{ secret }],
      'shop-a': [{ secret: other, label: 'abc#1', subscriptionId: 's', notAfter: '2026-12-03T01:00:00Z' }],
    };
    await writeWebhookSourcesFile(path, sources);
    await writeWebhookSourcesFile(path, { ...sources, b: [] }); // over an existing file
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readdir(join(dir, 'nested', 'deeper'))).toEqual(['sources.json']);
    expect(await readWebhookSourcesFile(path)).toEqual({ ...sources, b: [] });
    // Entries with nothing but a secret stay plain strings, so an older reader still understands the file.
    expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ default: [secret] });
  });

  it('refuses to write a file the reader would refuse, leaving the old one and no temp file', async () => {
    const path = join(dir, 'refused.json');
    await writeWebhookSourcesFile(path, { a: [{ secret }] });
    await expect(writeWebhookSourcesFile(path, { a: [{ secret: 'whsec_c2hvcnQ=' }] })).rejects.toThrow(
      /refusing to write .*decodes to 5 bytes/,
    );
    expect(await readWebhookSourcesFile(path)).toEqual({ a: [{ secret }] });
    expect((await readdir(dir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });
});
