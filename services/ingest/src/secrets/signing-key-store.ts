/**
 * The signing keys the ingest verifies with, per source: an immutable snapshot swapped whole on reload, so a
 * request reads one consistent key set (taken once when it starts) and never sees a half-applied file.
 */
import type { WebhookSourcesFile } from '@okendo/common';
import { type SigningKey, signingKeysOf } from '../signature/webhook-secrets.js';

/** Keys per source: 'default' for POST /webhooks/okendo, else the :source path segment. */
export type SourceKeys = ReadonlyMap<string, readonly SigningKey[]>;

export type CombinedSources = { ok: true; sources: SourceKeys } | { ok: false; problems: string[] };

/**
 * The env's sources (OKENDO_WEBHOOK_SECRETS) plus the file's. A source with an empty list is left out (its
 * path answers unknown_source); one the env already configures is a problem, never silently overridden.
 */
export function combineSources(envSources: SourceKeys, file: WebhookSourcesFile): CombinedSources {
  const problems: string[] = [];
  const sources = new Map(envSources);
  for (const [name, entries] of Object.entries(file)) {
    if (envSources.has(name)) {
      problems.push(`source ${name} is also configured by env (OKENDO_WEBHOOK_SECRETS)`);
      continue;
    }
    if (entries.length > 0) sources.set(name, signingKeysOf(entries, `source ${name}`));
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, sources };
}

/** Where the app reads its keys; reloads replace the whole snapshot. */
export class SigningKeyStore {
  #current: SourceKeys;

  constructor(initial: SourceKeys) {
    this.#current = initial;
  }

  current(): SourceKeys {
    return this.#current;
  }

  replace(next: SourceKeys): void {
    this.#current = next;
  }
}

/** Per source, the labels of its keys: what may be logged about a key set. */
export function describeSourceKeys(sources: SourceKeys): Record<string, string[]> {
  return Object.fromEntries([...sources].map(([name, keys]) => [name, keys.map((k) => k.label)]));
}
