/**
 * The webhook secrets file (OKENDO_WEBHOOK_SOURCES_FILE): a JSON object source -> list of secrets. A list
 * item is a plain `"whsec_..."` string or an object carrying the secret with a label (its name in metrics
 * and logs), the subscription it belongs to, when it was added and until when it is accepted (`notAfter`).
 * The ingest reads it (and re-reads it on change); the operator CLI writes it. Problems name a source and a
 * position, never a value: the file holds secrets.
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomically } from './atomic-file.js';

/**
 * Where the operator CLI writes the file when OKENDO_WEBHOOK_SOURCES_FILE is not set (relative to the repo
 * root), and what `npm start` points its ingest at.
 */
export const DEFAULT_WEBHOOK_SOURCES_FILE = '.local/webhook-sources.json';

export interface SourceSecretEntry {
  secret: string;
  label?: string;
  subscriptionId?: string;
  addedAt?: string;
  notAfter?: string;
}

export type WebhookSourcesFile = Record<string, SourceSecretEntry[]>;

export type ParsedWebhookSourcesFile =
  | { ok: true; sources: WebhookSourcesFile }
  | { ok: false; problems: string[] };

/** A source is a path segment of POST /webhooks/okendo/:source. */
export const WEBHOOK_SOURCE_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
export const SECRET_LABEL = /^[A-Za-z0-9._:#@-]{1,64}$/;
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const SECRET_PREFIX = 'whsec_';
const ENTRY_KEYS: ReadonlySet<string> = new Set(['secret', 'label', 'subscriptionId', 'addedAt', 'notAfter']);

/** Why a `whsec_` secret is unusable (a phrase without the value), or undefined when it is fine. */
export function signingSecretProblem(secret: string): string | undefined {
  const trimmed = secret.trim();
  if (!trimmed.startsWith(SECRET_PREFIX)) return `does not start with "${SECRET_PREFIX}"`;
  const encoded = trimmed.slice(SECRET_PREFIX.length);
  if (encoded === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(encoded))
    return `is not valid base64 after "${SECRET_PREFIX}"`;
  const bytes = Buffer.from(encoded, 'base64').length;
  if (bytes < 16) return `decodes to ${bytes} bytes; expected at least 16`;
  return undefined;
}

/** The name of a secret in metrics and logs: its label, else `#<position>` (1-based). */
export function secretLabel(entry: SourceSecretEntry, index: number): string {
  return entry.label ?? `#${index + 1}`;
}

/** Whether the secret is still accepted at this time (no notAfter, or notAfter not yet reached). */
export function secretIsValidAt(entry: SourceSecretEntry, atMs: number): boolean {
  return entry.notAfter === undefined || atMs < Date.parse(entry.notAfter);
}

function isDateTime(value: unknown): value is string {
  return typeof value === 'string' && ISO_DATE_TIME.test(value) && !Number.isNaN(Date.parse(value));
}

function parseEntry(item: unknown, where: string, problems: string[]): SourceSecretEntry | undefined {
  if (typeof item === 'string') {
    const problem = signingSecretProblem(item);
    if (problem !== undefined) problems.push(`${where}: the secret ${problem}`);
    return problem === undefined ? { secret: item.trim() } : undefined;
  }
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    problems.push(`${where}: expected a "whsec_..." string or an object with "secret"`);
    return undefined;
  }
  const fields = item as Record<string, unknown>;
  const before = problems.length;
  // Only key names are quoted: they are the file's structure, the values may be secrets.
  const unknown = Object.keys(fields).filter((key) => !ENTRY_KEYS.has(key));
  if (unknown.length > 0)
    problems.push(
      `${where}: unknown field(s) ${unknown.map((k) => JSON.stringify(k.slice(0, 40))).join(', ')}`,
    );
  const { secret, label, subscriptionId, addedAt, notAfter } = fields;
  if (typeof secret !== 'string') problems.push(`${where}: "secret" must be a "whsec_..." string`);
  else {
    const problem = signingSecretProblem(secret);
    if (problem !== undefined) problems.push(`${where}: the secret ${problem}`);
  }
  if (label !== undefined && (typeof label !== 'string' || !SECRET_LABEL.test(label)))
    problems.push(`${where}: "label" must match ${SECRET_LABEL}`);
  // Labels go into metrics and logs: catch a secret pasted into the wrong field.
  else if (typeof label === 'string' && label.startsWith(SECRET_PREFIX))
    problems.push(`${where}: "label" must not be a secret (it starts with "${SECRET_PREFIX}")`);
  if (subscriptionId !== undefined && (typeof subscriptionId !== 'string' || subscriptionId === ''))
    problems.push(`${where}: "subscriptionId" must be a non-empty string`);
  if (addedAt !== undefined && !isDateTime(addedAt))
    problems.push(`${where}: "addedAt" must be an ISO date-time with a zone, e.g. 2026-12-02T01:00:00Z`);
  if (notAfter !== undefined && !isDateTime(notAfter))
    problems.push(`${where}: "notAfter" must be an ISO date-time with a zone, e.g. 2026-12-03T01:00:00Z`);
  if (problems.length > before) return undefined;
  const entry: SourceSecretEntry = { secret: (secret as string).trim() };
  if (label !== undefined) entry.label = label as string;
  if (subscriptionId !== undefined) entry.subscriptionId = subscriptionId as string;
  if (addedAt !== undefined) entry.addedAt = addedAt as string;
  if (notAfter !== undefined) entry.notAfter = notAfter as string;
  return entry;
}

/** JSON.parse's own message may quote the text (Node 22+); keep only where it failed. */
function jsonProblem(error: unknown): string {
  const position = /position (\d+)/.exec(error instanceof Error ? error.message : '')?.[1];
  return position === undefined ? 'not valid JSON' : `not valid JSON (at character ${position})`;
}

export function parseWebhookSourcesFile(text: string): ParsedWebhookSourcesFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { ok: false, problems: [jsonProblem(error)] };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return { ok: false, problems: ['expected an object {"<source>": ["whsec_...", ...]}'] };
  const problems: string[] = [];
  const sources: WebhookSourcesFile = {};
  Object.entries(parsed).forEach(([name, list], sourceIndex) => {
    if (!WEBHOOK_SOURCE_NAME.test(name)) {
      problems.push(`source #${sourceIndex + 1}: its name must match ${WEBHOOK_SOURCE_NAME}`);
      return;
    }
    if (!Array.isArray(list)) {
      problems.push(`source ${name}: expected a list of secrets`);
      return;
    }
    const entries: SourceSecretEntry[] = [];
    const labels = new Set<string>();
    list.forEach((item: unknown, index) => {
      const where = `source ${name} entry #${index + 1}`;
      const entry = parseEntry(item, where, problems);
      if (entry === undefined) return;
      const label = secretLabel(entry, index);
      if (labels.has(label)) problems.push(`${where}: label ${label} is used twice in this source`);
      labels.add(label);
      entries.push(entry);
    });
    sources[name] = entries;
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, sources };
}

/** Reads and validates the file; a missing file is an empty one, a bad one throws naming every problem. */
export async function readWebhookSourcesFile(path: string): Promise<WebhookSourcesFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
  const parsed = parseWebhookSourcesFile(text);
  if (!parsed.ok) throw new Error(`${path}: ${parsed.problems.join('; ')}`);
  return parsed.sources;
}

/** The file's text: an entry with nothing but its secret is written as a plain string, as before. */
export function formatWebhookSourcesFile(sources: WebhookSourcesFile): string {
  const out: Record<string, (string | SourceSecretEntry)[]> = {};
  for (const [name, entries] of Object.entries(sources)) {
    out[name] = entries.map((entry) => {
      // A fixed field order keeps diffs of the file readable; extra properties of the object are dropped.
      const written: SourceSecretEntry = { secret: entry.secret };
      if (entry.label !== undefined) written.label = entry.label;
      if (entry.subscriptionId !== undefined) written.subscriptionId = entry.subscriptionId;
      if (entry.addedAt !== undefined) written.addedAt = entry.addedAt;
      if (entry.notAfter !== undefined) written.notAfter = entry.notAfter;
      return Object.keys(written).length === 1 ? entry.secret : written;
    });
  }
  return `${JSON.stringify(out, null, 2)}\n`;
}

/**
 * Writes the file atomically: a 0600 temp file in the same directory, fsynced, renamed over the old one
 * (readers see the old or the new file, never half of one), then the directory fsynced so the rename
 * survives a crash. Refuses what the reader would refuse, so the ingest never sees a file it must reject.
 */
export async function writeWebhookSourcesFile(path: string, sources: WebhookSourcesFile): Promise<void> {
  const text = formatWebhookSourcesFile(sources);
  const check = parseWebhookSourcesFile(text);
  if (!check.ok) throw new Error(`refusing to write ${path}: ${check.problems.join('; ')}`);
  await writeFileAtomically(path, text, 0o600);
}
