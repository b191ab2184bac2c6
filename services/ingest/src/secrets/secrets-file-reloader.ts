/**
 * Re-reads OKENDO_WEBHOOK_SOURCES_FILE without a restart: at once on SIGHUP, and when polling (fs.watchFile,
 * a stat every interval) sees the file change. Polling, not fs.watch: an atomic rename replaces the inode,
 * which inotify-based watches lose, while a stat of the path follows it. A file that does not parse, is
 * missing or cannot be read keeps the previous keys; the error names the problems, never a value.
 */
import { unwatchFile, watchFile } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parseWebhookSourcesFile } from '@okendo/common';
import type { Counter } from 'prom-client';
import {
  combineSources,
  describeSourceKeys,
  type SigningKeyStore,
  type SourceKeys,
} from './signing-key-store.js';

export type ReloadTrigger = 'start' | 'sighup' | 'poll' | 'call';

export type ReloadResult =
  | { outcome: 'ok'; sources: Record<string, string[]> }
  | { outcome: 'failed'; problems: string[] };

interface ReloadLogger {
  info: (fields: Record<string, unknown>, message: string) => void;
  error: (fields: Record<string, unknown>, message: string) => void;
}

export interface SecretsFileReloaderOptions {
  path: string;
  /** OKENDO_WEBHOOK_SECRETS' sources: never reloaded, combined with every new file. */
  envSources: SourceKeys;
  store: SigningKeyStore;
  intervalMs: number;
  reloads: Counter<'outcome'>;
  log: ReloadLogger;
}

export class SecretsFileReloader {
  #running: Promise<ReloadResult> | undefined;
  #queued: Promise<ReloadResult> | undefined;
  #watching = false;
  readonly #onSighup = () => void this.reload('sighup');
  // Called when the stat differs (mtime, size, inode...: a rename counts), also when the file disappears.
  readonly #onChange = () => void this.reload('poll');

  constructor(private readonly options: SecretsFileReloaderOptions) {}

  /**
   * Starts polling and listening for SIGHUP, then reads the file once: it may have changed since the
   * configuration was read (topic checks at start-up take seconds), and polling only sees later changes.
   */
  watch(): Promise<ReloadResult> {
    if (!this.#watching) {
      this.#watching = true;
      // persistent: false, so the watcher never keeps a stopping process alive.
      watchFile(this.options.path, { interval: this.options.intervalMs, persistent: false }, this.#onChange);
      process.on('SIGHUP', this.#onSighup);
    }
    return this.reload('start');
  }

  close(): void {
    if (!this.#watching) return;
    this.#watching = false;
    unwatchFile(this.options.path, this.#onChange);
    process.off('SIGHUP', this.#onSighup);
  }

  /**
   * Re-reads the file now. Triggers arriving while a reload runs are folded into one more reload after it,
   * so the last write is always read and two reloads never race to swap the snapshot.
   */
  reload(trigger: ReloadTrigger = 'call'): Promise<ReloadResult> {
    if (this.#queued !== undefined) return this.#queued;
    if (this.#running === undefined) {
      this.#running = this.#reloadNow(trigger).finally(() => {
        this.#running = undefined;
      });
      return this.#running;
    }
    this.#queued = this.#running.then(() => {
      this.#queued = undefined;
      return this.reload(trigger);
    });
    return this.#queued;
  }

  async #reloadNow(trigger: ReloadTrigger): Promise<ReloadResult> {
    const result = await this.#read();
    this.options.reloads.inc({ outcome: result.outcome });
    const fields = { trigger, secretsFile: this.options.path };
    if (result.outcome === 'failed') {
      this.options.log.error(
        { ...fields, problems: result.problems },
        'secrets file not reloaded: keeping the previous secrets',
      );
      return result;
    }
    this.options.log.info({ ...fields, sources: result.sources }, 'secrets file reloaded');
    return result;
  }

  async #read(): Promise<ReloadResult> {
    let text: string;
    try {
      text = await readFile(this.options.path, 'utf8');
    } catch (error) {
      // A vanished file is more likely a mistake than "drop every secret": keep them.
      const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
      return { outcome: 'failed', problems: [`cannot read the file (${code})`] };
    }
    const parsed = parseWebhookSourcesFile(text);
    if (!parsed.ok) return { outcome: 'failed', problems: parsed.problems };
    const combined = combineSources(this.options.envSources, parsed.sources);
    if (!combined.ok) return { outcome: 'failed', problems: combined.problems };
    this.options.store.replace(combined.sources);
    return { outcome: 'ok', sources: describeSourceKeys(combined.sources) };
  }
}
