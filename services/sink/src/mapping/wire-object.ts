/**
 * Lenient typed reads from a webhook resource, which is `unknown` until read here (mapping policy: README.md
 * in this folder). Absent or null fields read as null (Okendo omits what it does not know, and deletes carry a
 * reduced resource). A value of another shape is converted when that is lossless ("12" for a number, "true"
 * for a bool, 12 for a string) and otherwise reads as null or empty; either way nothing throws, and what could
 * not be read is recorded as a MappingIssue on the issue list shared by a WireObject and every WireObject
 * read from it.
 */

/** One field the mapping could not read as the shape it expects. */
export interface MappingIssue {
  /** where in the body the field is (body.resource.answeredQuestions[2].answer) */
  readonly path: string;
  /** a short description of what arrived: its type and at most ~40 characters of it */
  readonly arrived: string;
}

/** The text of an issue as the `mapping_issues` column holds it. */
export const issueText = (issue: MappingIssue): string => `${issue.path}: ${issue.arrived}`;

/**
 * The field of an issue (its text or its path) as a metric label: array indices dropped and the `body.` root
 * left off (body.resource.answeredQuestions[2].answer -> resource.answeredQuestions[].answer), so the label
 * set is bounded by the keys the mappers read, never by the data.
 */
export function issueField(issue: string): string {
  const end = issue.indexOf(': ');
  const path = end === -1 ? issue : issue.slice(0, end);
  return path.replace(/\[\d+\]/g, '[]').replace(/^body\./, '');
}

// DateTime in ClickHouse 18.16 is a UInt32 of seconds: 1970-01-01 .. 2106-02-07.
const MAX_DATETIME_MS = 4_294_967_295_000;
const MAX_INT32 = 2_147_483_647;
const MIN_INT32 = -2_147_483_648;
const DESCRIBED_CHARS = 40;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}/;
// Plain decimal notation only: Number() would also take "0x10", "0b1" and "" (as 0), which are not lossless.
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** At most `max` code points, so a surrogate pair is never cut in half (ClickHouse refuses a lone one). */
function truncated(text: string, max: number): string {
  let out = '';
  let count = 0;
  for (const char of text) {
    if (count === max) return `${out}…`;
    out += char;
    count += 1;
  }
  return out;
}

/** Type and a short, truncated rendering of a value, for an issue text (never for a log or a label). */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') {
    // Stringified after truncation: JSON.stringify escapes a lone surrogate, so the text stays well formed.
    const shown = truncated(value, DESCRIBED_CHARS);
    return `string ${JSON.stringify(shown)}${shown === value ? '' : ` (${value.length} chars)`}`;
  }
  const type = Array.isArray(value) ? 'array' : typeof value;
  let rendered: string;
  try {
    rendered = JSON.stringify(value) ?? String(value);
  } catch {
    rendered = '?';
  }
  return `${type} ${truncated(rendered, DESCRIBED_CHARS)}`;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export class WireObject {
  constructor(
    private readonly fields: Readonly<Record<string, unknown>>,
    /** where this object is in the body (body.resource.reviewer) */
    readonly path: string,
    /** shared with every WireObject read from this one */
    private readonly issueList: MappingIssue[] = [],
  ) {}

  /** `value` as an object; anything else reads as an empty one, with an issue (null or absent: none). */
  static from(value: unknown, path: string, issues: MappingIssue[] = []): WireObject {
    if (isPlainObject(value)) return new WireObject(value, path, issues);
    if (value !== undefined && value !== null) issues.push({ path, arrived: describeValue(value) });
    return new WireObject({}, path, issues);
  }

  /** The issues recorded so far by this object and every object read from it, in reading order. */
  get issues(): readonly MappingIssue[] {
    return this.issueList;
  }

  /** The raw value of a field, as it arrived; records nothing. */
  value(key: string): unknown {
    return this.fields[key];
  }

  /** Records an issue at `<path>.<key>`; `what` describes what arrived (describeValue helps). */
  note(key: string, what: string): void {
    this.issueList.push({ path: `${this.path}.${key}`, arrived: what });
  }

  /** Records that `key` held something unreadable, and reads it as `fallback`. */
  private odd<T>(key: string, fallback: T, what?: string): T {
    this.note(key, what ?? describeValue(this.value(key)));
    return fallback;
  }

  /** A string; a finite number reads as its decimal text. */
  str(key: string): string | null {
    const value = this.value(key);
    if (value === undefined || value === null) return null;
    if (typeof value === 'string') return value;
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    return this.odd(key, null);
  }

  /**
   * The body's own id of the resource, as a string ('' with an issue when absent). The id column itself is the
   * envelope's entity id (mapResource), so this value never decides identity.
   */
  id(key: string): string {
    const before = this.issueList.length;
    const value = this.str(key);
    if (value !== null && value.trim() !== '') return value;
    if (this.issueList.length === before) this.note(key, `no id: ${describeValue(this.value(key))}`);
    return '';
  }

  /** A finite number; a string in plain decimal notation reads as its number. */
  num(key: string): number | null {
    const value = this.value(key);
    if (value === undefined || value === null) return null;
    if (typeof value === 'number' && Number.isFinite(value)) return value;
    if (typeof value === 'string' && DECIMAL.test(value.trim())) {
      const parsed = Number(value.trim());
      if (Number.isFinite(parsed)) return parsed;
    }
    return this.odd(key, null);
  }

  /** A 32-bit integer (Avro int); a fraction or a number out of range reads as null, not rounded or clamped. */
  int(key: string): number | null {
    const before = this.issueList.length;
    const value = this.num(key);
    if (value === null || this.issueList.length > before) return null;
    if (!Number.isInteger(value) || value > MAX_INT32 || value < MIN_INT32)
      return this.odd(key, null, `not a 32-bit integer: ${describeValue(this.value(key))}`);
    return value;
  }

  /** true or false; the strings "true" and "false" read as such. */
  bool(key: string): boolean | null {
    const value = this.value(key);
    if (value === undefined || value === null) return null;
    if (typeof value === 'boolean') return value;
    if (value === 'true') return true;
    if (value === 'false') return false;
    return this.odd(key, null);
  }

  /**
   * An ISO-8601 date-time as epoch milliseconds. One that does not parse, or lies outside what ClickHouse
   * DateTime holds, reads as null with an issue; an empty string reads as null without one.
   */
  timestamp(key: string): bigint | null {
    const value = this.value(key);
    if (value === undefined || value === null || value === '') return null;
    if (typeof value !== 'string') return this.odd(key, null);
    // Date.parse alone would also take "1" (as 2001) or "May 5": only ISO-8601's date-first form is read.
    const ms = ISO_DATE.test(value) ? Date.parse(value) : Number.NaN;
    if (Number.isNaN(ms)) return this.odd(key, null, `not a date-time: ${describeValue(value)}`);
    if (ms < 0 || ms > MAX_DATETIME_MS)
      return this.odd(key, null, `out of DateTime range: ${describeValue(value)}`);
    return BigInt(ms);
  }

  /** A nested object; absent or null reads as an empty one, another shape as an empty one with an issue. */
  obj(key: string): WireObject {
    return WireObject.from(this.value(key), `${this.path}.${key}`, this.issueList);
  }

  /** The items of a nested array; absent or null reads as empty, another shape as empty with an issue. */
  items(key: string): unknown[] {
    const value = this.value(key);
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) return this.odd(key, []);
    return value;
  }

  /** The objects of a nested array; an item that is not an object is left out, with an issue at its index. */
  objects(key: string): WireObject[] {
    const out: WireObject[] = [];
    this.items(key).forEach((item, i) => {
      if (isPlainObject(item)) out.push(new WireObject(item, `${this.path}.${key}[${i}]`, this.issueList));
      else this.note(`${key}[${i}]`, describeValue(item));
    });
    return out;
  }

  /** The strings of a nested array (numbers and booleans as their text); any other item is left out, with an issue. */
  strings(key: string): string[] {
    const out: string[] = [];
    this.items(key).forEach((item, i) => {
      if (typeof item === 'string') out.push(item);
      else if ((typeof item === 'number' && Number.isFinite(item)) || typeof item === 'boolean')
        out.push(String(item));
      else this.note(`${key}[${i}]`, describeValue(item));
    });
    return out;
  }

  /**
   * An answer in any of its wire shapes as a list of strings: "a", ["a", "b"], {type, value}, a number or a
   * boolean. Used for quiz answers and multi-value attributes.
   */
  answers(key: string): string[] {
    const value = this.value(key);
    if (value === undefined || value === null) return [];
    if (Array.isArray(value)) return this.strings(key);
    if (isPlainObject(value)) {
      const inner = this.obj(key);
      const innerValue = inner.value('value');
      if (Array.isArray(innerValue)) return inner.strings('value');
      if (typeof innerValue === 'boolean') return [String(innerValue)];
      const answer = inner.str('value');
      return answer === null ? [] : [answer];
    }
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      return [String(value)];
    return this.odd(key, []);
  }
}
