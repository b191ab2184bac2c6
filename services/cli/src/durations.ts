/**
 * Durations on the command line: a whole number and one unit, `500ms`, `90s`, `15m`, `24h`, `7d`. One unit
 * only (no `1h30m`) so a value reads the same to everyone; a bare number is refused since its unit would be
 * a guess.
 */
import { InvalidArgumentError } from '@commander-js/extra-typings';

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
type Unit = keyof typeof UNIT_MS;

const DURATION = /^(\d{1,9})(ms|s|m|h|d)$/;

export interface DurationBounds {
  /** smallest accepted value in ms (default 0) */
  minMs?: number;
  /** largest accepted value in ms (default 365 days) */
  maxMs?: number;
}

const MAX_DEFAULT_MS = 365 * UNIT_MS.d;

/**
 * The duration in milliseconds. Throws commander's InvalidArgumentError, so as an option's parser a bad value
 * is a usage error that names the option.
 */
export function parseDuration(text: string, bounds: DurationBounds = {}): number {
  const match = DURATION.exec(text.trim());
  if (match === null)
    throw new InvalidArgumentError(
      `expected a whole number and a unit (ms, s, m, h, d), e.g. 90s, 15m, 24h, 7d; got ${JSON.stringify(text)}`,
    );
  const ms = Number(match[1]) * UNIT_MS[match[2] as Unit];
  const minMs = bounds.minMs ?? 0;
  const maxMs = bounds.maxMs ?? MAX_DEFAULT_MS;
  if (ms < minMs) throw new InvalidArgumentError(`must be at least ${formatDuration(minMs)}`);
  if (ms > maxMs) throw new InvalidArgumentError(`must be at most ${formatDuration(maxMs)}`);
  return ms;
}

/** An option parser for commander: `.option('--overlap <duration>', '...', durationOption({ minMs: 1000 }))`. */
export function durationOption(bounds: DurationBounds = {}): (text: string) => number {
  return (text) => parseDuration(text, bounds);
}

/** The largest unit that divides `ms` exactly: 86400000 -> "1d", 5400000 -> "90m", 1500 -> "1500ms". */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    if (ms !== 0 && ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return ms === 0 ? '0s' : `${ms}ms`;
}
