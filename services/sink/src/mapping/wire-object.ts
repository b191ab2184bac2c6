/**
 * Typed reads from a webhook resource, which is `unknown` until read here. Absent or null fields read as null
 * (Okendo omits what it does not know, and deletes carry a reduced resource); a field of the wrong type is a
 * MappingError naming its path, which sends the event to the dead letters rather than guessing.
 */
export class MappingError extends Error {
  /**
   * `path`: where in the body the field is (body.resource.rating), safe to log; the message may also quote
   * the value, so it belongs in the dead letter only.
   */
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message);
    this.name = 'MappingError';
  }
}

// DateTime in ClickHouse 18.16 is a UInt32 of seconds: 1970-01-01 .. 2106-02-07.
const MAX_DATETIME_MS = 4_294_967_295_000;

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value).slice(0, 40)}`;
}

export class WireObject {
  constructor(
    private readonly fields: Readonly<Record<string, unknown>>,
    private readonly path: string,
  ) {}

  static from(value: unknown, path: string): WireObject {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new MappingError(`${path} must be an object, got ${describe(value)}`, path);
    }
    return new WireObject(value as Record<string, unknown>, path);
  }

  private raw(key: string): unknown {
    return this.fields[key];
  }

  private fail(key: string, expected: string): never {
    throw new MappingError(
      `${this.path}.${key} must be ${expected}, got ${describe(this.raw(key))}`,
      `${this.path}.${key}`,
    );
  }

  str(key: string): string | null {
    const value = this.raw(key);
    if (value === undefined || value === null) return null;
    if (typeof value === 'string') return value;
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    return this.fail(key, 'a string');
  }

  /** An id: like str, but required. */
  id(key: string): string {
    const value = this.str(key);
    if (value === null || value.trim() === '') return this.fail(key, 'a non-empty id');
    return value;
  }

  num(key: string): number | null {
    const value = this.raw(key);
    if (value === undefined || value === null) return null;
    if (typeof value === 'number' && Number.isFinite(value)) return value;
    if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
      return Number(value);
    return this.fail(key, 'a number');
  }

  int(key: string): number | null {
    const value = this.num(key);
    if (value === null) return null;
    if (!Number.isInteger(value) || Math.abs(value) > 2_147_483_647)
      return this.fail(key, 'a 32-bit integer');
    return value;
  }

  bool(key: string): boolean | null {
    const value = this.raw(key);
    if (value === undefined || value === null) return null;
    if (typeof value === 'boolean') return value;
    return this.fail(key, 'true or false');
  }

  /** An ISO-8601 date-time as epoch milliseconds; outside what ClickHouse DateTime holds reads as null. */
  timestamp(key: string): bigint | null {
    const text = this.str(key);
    if (text === null || text === '') return null;
    const ms = Date.parse(text);
    if (Number.isNaN(ms)) return this.fail(key, 'an ISO-8601 date-time');
    return ms < 0 || ms > MAX_DATETIME_MS ? null : BigInt(ms);
  }

  /** A nested object; absent or null reads as an empty one. */
  obj(key: string): WireObject {
    const value = this.raw(key);
    if (value === undefined || value === null) return new WireObject({}, `${this.path}.${key}`);
    return WireObject.from(value, `${this.path}.${key}`);
  }

  /** The items of a nested array; absent or null reads as empty. */
  items(key: string): unknown[] {
    const value = this.raw(key);
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) return this.fail(key, 'an array');
    return value;
  }

  objects(key: string): WireObject[] {
    return this.items(key).map((item, i) => WireObject.from(item, `${this.path}.${key}[${i}]`));
  }

  strings(key: string): string[] {
    return this.items(key).map((item, i) => {
      if (typeof item === 'string') return item;
      if (typeof item === 'number' || typeof item === 'boolean') return String(item);
      throw new MappingError(
        `${this.path}.${key}[${i}] must be a string, got ${describe(item)}`,
        `${this.path}.${key}[${i}]`,
      );
    });
  }

  /**
   * An answer in any of its wire shapes as a list of strings: "a", ["a", "b"], {type, value}, a number or a
   * boolean. Used for survey and quiz answers and multi-value attributes.
   */
  answers(key: string): string[] {
    const value = this.raw(key);
    if (value === undefined || value === null) return [];
    if (Array.isArray(value)) return this.strings(key);
    if (typeof value === 'object') {
      const inner = this.obj(key);
      const answer = inner.str('value');
      return answer === null ? [] : [answer];
    }
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      return [String(value)];
    return this.fail(key, 'an answer');
  }
}
