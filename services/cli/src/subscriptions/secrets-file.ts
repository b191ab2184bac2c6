/**
 * The CLI's side of the ingest's secrets file (format and atomic write: @okendo/common webhook-sources-file).
 * The changes are pure functions of the file's contents and the time, so they are tested without a disk;
 * `withSecretsFile` adds the read-modify-write under a lock file, since two CLI runs (a create and a rotate,
 * say) must not each write a file missing the other's secret.
 */
import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import {
  DEFAULT_WEBHOOK_SOURCES_FILE,
  readWebhookSourcesFile,
  SECRET_LABEL,
  type SourceSecretEntry,
  type WebhookSourcesFile,
  writeWebhookSourcesFile,
} from '@okendo/common';
import { CliError, EXIT } from '../exit-codes.js';

export interface SecretsFileLocation {
  path: string;
  /** how it was chosen, for the output: the operator must know which file the ingest has to read */
  from: '--secrets-file' | 'OKENDO_WEBHOOK_SOURCES_FILE' | 'default';
}

/** --secrets-file, else OKENDO_WEBHOOK_SOURCES_FILE (what the ingest reads), else .local/webhook-sources.json. */
export function secretsFileLocation(flag: string | undefined, env: NodeJS.ProcessEnv): SecretsFileLocation {
  if (flag !== undefined && flag.trim() !== '') return { path: resolve(flag), from: '--secrets-file' };
  const fromEnv = env['OKENDO_WEBHOOK_SOURCES_FILE']?.trim();
  if (fromEnv) return { path: resolve(fromEnv), from: 'OKENDO_WEBHOOK_SOURCES_FILE' };
  return { path: resolve(DEFAULT_WEBHOOK_SOURCES_FILE), from: 'default' };
}

export function describeLocation(location: SecretsFileLocation): string {
  return location.from === 'default'
    ? `${location.path} (the default, which \`npm start\` points its ingest at; elsewhere set the ingest's OKENDO_WEBHOOK_SOURCES_FILE to it)`
    : `${location.path} (from ${location.from})`;
}

const LABEL_CHAR = /[A-Za-z0-9._:@-]/;

/** `<first 8 characters of the id>`, with characters a label cannot hold replaced by '-'. */
export function labelPrefix(subscriptionId: string): string {
  return [...subscriptionId.slice(0, 8)].map((c) => (LABEL_CHAR.test(c) ? c : '-')).join('') || 'sub';
}

/** The next free `<prefix>#<n>` in the source: one past the highest n any entry with that prefix has. */
export function nextLabel(entries: readonly SourceSecretEntry[], subscriptionId: string): string {
  const prefix = labelPrefix(subscriptionId);
  let highest = 0;
  for (const entry of entries) {
    const n = entry.label?.startsWith(`${prefix}#`)
      ? Number(entry.label.slice(prefix.length + 1))
      : Number.NaN;
    if (Number.isInteger(n) && n > highest) highest = n;
  }
  const label = `${prefix}#${highest + 1}`;
  if (!SECRET_LABEL.test(label))
    throw new Error(`unreachable: label ${label} does not match ${SECRET_LABEL}`);
  return label;
}

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export interface AddedSecret {
  sources: WebhookSourcesFile;
  label: string;
}

/** Appends the subscription's new secret to the source's list (created when missing). */
export function addSecret(
  sources: WebhookSourcesFile,
  source: string,
  subscriptionId: string,
  secret: string,
  nowMs: number,
): AddedSecret {
  const entries = sources[source] ?? [];
  const label = nextLabel(entries, subscriptionId);
  const entry: SourceSecretEntry = { secret, label, subscriptionId, addedAt: iso(nowMs) };
  return { sources: { ...sources, [source]: [...entries, entry] }, label };
}

export interface RotatedSecrets {
  sources: WebhookSourcesFile;
  label: string;
  /** the subscription's earlier secrets and when each stops being accepted */
  retired: Array<{ label: string; notAfter: string }>;
  /** entries of the source whose notAfter had passed: no longer accepted, so removed */
  dropped: string[];
}

/**
 * An unlabelled (plain string) entry is named by its position: before entries are removed, such entries get
 * that name written, so their metric label does not change under them.
 */
function pinPositions(entries: readonly SourceSecretEntry[]): SourceSecretEntry[] {
  return entries.map((entry, index) =>
    entry.label === undefined ? { ...entry, label: `#${index + 1}` } : entry,
  );
}

const hasPassed = (entry: SourceSecretEntry, nowMs: number): boolean =>
  entry.notAfter !== undefined && Date.parse(entry.notAfter) <= nowMs;

/**
 * After a rotation: the new secret is appended; the subscription's earlier entries get notAfter = now +
 * overlap, never later than a notAfter they already have (a second rotation must not revive an old secret);
 * the source's entries whose notAfter has passed are dropped.
 */
export function rotateSecrets(
  sources: WebhookSourcesFile,
  source: string,
  subscriptionId: string,
  secret: string,
  nowMs: number,
  overlapMs: number,
): RotatedSecrets {
  const before = sources[source] ?? [];
  const entries = before.some((entry) => hasPassed(entry, nowMs)) ? pinPositions(before) : before;
  const retireAt = nowMs + overlapMs;
  const retired: RotatedSecrets['retired'] = [];
  const dropped: string[] = [];
  const kept: SourceSecretEntry[] = [];
  entries.forEach((entry, index) => {
    const label = entry.label ?? `#${index + 1}`;
    if (hasPassed(entry, nowMs)) dropped.push(label);
    else if (entry.subscriptionId !== subscriptionId) kept.push(entry);
    else {
      const ends = entry.notAfter === undefined ? undefined : Date.parse(entry.notAfter);
      const notAfter = ends !== undefined && ends < retireAt ? (entry.notAfter as string) : iso(retireAt);
      retired.push({ label, notAfter });
      kept.push({ ...entry, notAfter });
    }
  });
  const label = nextLabel(kept, subscriptionId);
  kept.push({ secret, label, subscriptionId, addedAt: iso(nowMs) });
  return { sources: { ...sources, [source]: kept }, label, retired, dropped };
}

/** Removes the subscription's secrets from the source (and the source when nothing is left). */
export function removeSubscriptionSecrets(
  sources: WebhookSourcesFile,
  source: string,
  subscriptionId: string,
): { sources: WebhookSourcesFile; removed: string[] } {
  const removed = subscriptionLabels(sources, source, subscriptionId);
  if (removed.length === 0) return { sources, removed };
  const kept = pinPositions(sources[source] ?? []).filter((entry) => entry.subscriptionId !== subscriptionId);
  const next = { ...sources };
  if (kept.length === 0) delete next[source];
  else next[source] = kept;
  return { sources: next, removed };
}

/** The labels the subscription has in the source (to say what a change touches). */
export function subscriptionLabels(
  sources: WebhookSourcesFile,
  source: string,
  subscriptionId: string,
): string[] {
  return (sources[source] ?? [])
    .map((entry, index) => ({ entry, label: entry.label ?? `#${index + 1}` }))
    .filter(({ entry }) => entry.subscriptionId === subscriptionId)
    .map(({ label }) => label);
}

export interface SecretsFileSession {
  readonly location: SecretsFileLocation;
  /** the contents when the lock was taken */
  readonly sources: WebhookSourcesFile;
  write(sources: WebhookSourcesFile): Promise<void>;
}

const LOCK_WAIT_MS = 10_000;
const LOCK_POLL_MS = 100;

/**
 * Takes `<file>.lock`, reads the file (a missing one is empty; a bad one is a usage error naming its problems,
 * never a value), runs `body`, and releases the lock. Readers (the ingest) need no lock: the write is atomic.
 */
export async function withSecretsFile<T>(
  location: SecretsFileLocation,
  body: (session: SecretsFileSession) => Promise<T>,
): Promise<T> {
  const lockPath = `${location.path}.lock`;
  await takeLock(lockPath);
  try {
    let sources: WebhookSourcesFile;
    try {
      sources = await readWebhookSourcesFile(location.path);
    } catch (error) {
      throw new CliError(`the secrets file is unusable: ${(error as Error).message}`, EXIT.usage);
    }
    return await body({
      location,
      sources,
      write: (next) => writeWebhookSourcesFile(location.path, next),
    });
  } finally {
    await unlink(lockPath).catch(() => undefined);
  }
}

/** Whether the process that wrote the lock is gone (a CLI killed mid-change); unknown counts as alive. */
function holderIsGone(holder: string): boolean {
  const pid = Number(holder);
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

async function takeLock(lockPath: string): Promise<void> {
  await mkdir(dirname(lockPath), { recursive: true });
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      const handle = await open(lockPath, 'wx', 0o600);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = (await readFile(lockPath, 'utf8').catch(() => '')).trim();
    // A lock left by a killed run is taken over. Two runs finding the same stale lock at the same instant
    // could both proceed; the file stays whole either way (atomic writes), one change may be lost.
    if (holderIsGone(holder)) {
      await unlink(lockPath).catch(() => undefined);
      continue;
    }
    if (Date.now() >= deadline)
      throw new CliError(
        `${lockPath} is held${holder ? ` by process ${holder}` : ''} (another okendo-pipeline changing the secrets file); if no such process runs, remove the lock file`,
      );
    await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
  }
}
