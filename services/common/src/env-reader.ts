/**
 * Reads configuration from the environment once, collecting a precise message per bad key instead of
 * stopping at the first, so an operator fixes everything in one go.
 */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export class EnvReader {
  readonly problems: string[] = [];

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  /** The trimmed value, or undefined when unset or empty. */
  raw(key: string): string | undefined {
    const value = this.env[key]?.trim();
    return value === undefined || value === '' ? undefined : value;
  }

  /** The value exactly as given (secrets: spaces may belong to them), or undefined when unset or empty. */
  untrimmed(key: string): string | undefined {
    const value = this.env[key];
    return value === undefined || value === '' ? undefined : value;
  }

  string(key: string, fallback: string, pattern?: { test: RegExp; hint: string }): string {
    const value = this.raw(key) ?? fallback;
    if (pattern && !pattern.test.test(value))
      this.problems.push(`${key}: ${pattern.hint}, got ${JSON.stringify(value)}`);
    return value;
  }

  required(key: string, hint: string): string {
    const value = this.raw(key);
    if (value === undefined) this.problems.push(`${key}: required (${hint})`);
    return value ?? '';
  }

  integer(key: string, fallback: number, range: { min: number; max: number }): number {
    const text = this.raw(key);
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(value) || value < range.min || value > range.max) {
      this.problems.push(
        `${key}: expected a whole number from ${range.min} to ${range.max}, got ${JSON.stringify(text)}`,
      );
      return fallback;
    }
    return value;
  }

  boolean(key: string, fallback: boolean): boolean {
    const text = this.raw(key)?.toLowerCase();
    if (text === undefined) return fallback;
    if (['1', 'true', 'yes'].includes(text)) return true;
    if (['0', 'false', 'no'].includes(text)) return false;
    this.problems.push(`${key}: expected true or false, got ${JSON.stringify(text)}`);
    return fallback;
  }

  /** LOG_LEVEL, one of pino's levels. */
  logLevel(fallback = 'info'): string {
    return this.string('LOG_LEVEL', fallback, {
      test: /^(fatal|error|warn|info|debug|trace|silent)$/,
      hint: 'one of fatal, error, warn, info, debug, trace, silent',
    });
  }

  /** Throws a ConfigError listing every problem found, if any. */
  finish(): void {
    if (this.problems.length > 0) throw new ConfigError(this.problems);
  }
}
