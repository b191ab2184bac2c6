/** parseDuration: the one way every CLI option spells a duration (--overlap, --timeout, --interval, ...). */
import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../services/cli/src/durations.js';

describe('parseDuration', () => {
  it('reads a whole number with one unit', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('15m')).toBe(900_000);
    expect(parseDuration('24h')).toBe(86_400_000);
    expect(parseDuration('7d')).toBe(604_800_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration(' 5s ')).toBe(5_000);
  });

  it('refuses what a reader would have to guess, naming the form', () => {
    for (const text of ['90', '', '1h30m', '1.5h', '-5s', '5 s', '5S', '5w', 's'])
      expect(() => parseDuration(text), text).toThrow(/whole number and a unit/);
  });

  it('applies bounds', () => {
    expect(() => parseDuration('500ms', { minMs: 1_000 })).toThrow('must be at least 1s');
    expect(() => parseDuration('8d', { maxMs: 7 * 86_400_000 })).toThrow('must be at most 7d');
    expect(() => parseDuration('400d')).toThrow('must be at most 365d');
  });

  it('formats with the largest exact unit', () => {
    expect(formatDuration(86_400_000)).toBe('1d');
    expect(formatDuration(5_400_000)).toBe('90m');
    expect(formatDuration(1_500)).toBe('1500ms');
    expect(formatDuration(0)).toBe('0s');
  });
});
