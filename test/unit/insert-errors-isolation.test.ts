/**
 * Bisection of refused rows and the systemic rule, against an in-memory warehouse that refuses like ClickHouse
 * does (same error texts); the real-ClickHouse proof is test/integration/sink-poison-insert.test.ts.
 */
import { type BlockedWrite, writeRows } from '@okendo/sink';
import { describe, expect, it } from 'vitest';

type Row = Record<string, unknown>;

/** Refuses a whole insert when any row matches `refuses` (ClickHouse inserts are all or nothing per block). */
class FakeWarehouse {
  readonly stored: Row[] = [];
  inserts = 0;
  constructor(private readonly refuses: (row: Row) => string | undefined) {}

  async insertJsonEachRow(_table: string, rows: readonly object[]): Promise<void> {
    this.inserts++;
    for (const row of rows as Row[]) {
      const error = this.refuses(row);
      if (error !== undefined) throw new Error(error);
    }
    this.stored.push(...(rows as Row[]));
  }
}

const PARSE =
  'Code: 25. DB::Exception: Cannot parse escape sequence: missing second part of surrogate pair: (while reading the value of key title): (at row 1) (CANNOT_PARSE_ESCAPE_SEQUENCE)';
const RANGE =
  "Code: 72. DB::Exception: Unsigned type must not contain '-' symbol: (while reading the value of key n) (CANNOT_PARSE_NUMBER)";
const UNKNOWN_TABLE = 'Code: 60. DB::Exception: Table db.reviews does not exist. (UNKNOWN_TABLE)';

const rowsOf = (n: number): Row[] => Array.from({ length: n }, (_, i) => ({ id: i, title: 't' }));
const retry = { initialBackoffMs: 1, maxBackoffMs: 2 };

async function write(warehouse: FakeWarehouse, rows: Row[], signal?: AbortSignal) {
  const blocked: BlockedWrite[] = [];
  const result = writeRows(warehouse, 'db', new Map([['reviews', rows]]), {
    retry,
    ...(signal === undefined ? {} : { signal }),
    observer: { onBlocked: (b) => blocked.push(b) },
  });
  return { result, blocked };
}

describe('writeRows isolates refused rows by bisection', () => {
  it('costs no extra insert when nothing fails', async () => {
    const warehouse = new FakeWarehouse(() => undefined);
    const { result } = await write(warehouse, rowsOf(1_000));
    expect((await result).size).toBe(0);
    expect(warehouse.inserts).toBe(1);
  });

  it('one poison row among 1,000: it alone is refused, the 999 others are stored, in about 2 log2(n) inserts', async () => {
    const warehouse = new FakeWarehouse((row) => (row['id'] === 637 ? PARSE : undefined));
    const { result, blocked } = await write(warehouse, rowsOf(1_000));
    const rejected = (await result).get('reviews') ?? [];
    expect(rejected.map((r) => r.row['id'])).toEqual([637]);
    expect(rejected[0]?.errorClass).toMatchObject({ kind: 'row', code: 25, column: 'title' });
    expect(new Set(warehouse.stored.map((r) => r['id'])).size).toBe(999);
    expect(warehouse.inserts).toBeLessThanOrEqual(1 + 2 * Math.ceil(Math.log2(1_000)));
    expect(blocked).toEqual([]);
  });

  it('several scattered poison rows with different errors are all found', async () => {
    const bad = new Map([
      [0, PARSE],
      [499, RANGE],
      [500, PARSE],
      [999, RANGE],
    ]);
    const warehouse = new FakeWarehouse((row) => bad.get(row['id'] as number));
    const { result } = await write(warehouse, rowsOf(1_000));
    const rejected = (await result).get('reviews') ?? [];
    expect(rejected.map((r) => r.row['id']).sort((a, b) => Number(a) - Number(b))).toEqual([
      0, 499, 500, 999,
    ]);
    expect(new Set(warehouse.stored.map((r) => r['id'])).size).toBe(996);
  });

  it('a single-row flush that is refused is that row', async () => {
    const warehouse = new FakeWarehouse(() => PARSE);
    const { result } = await write(warehouse, rowsOf(1));
    expect((await result).get('reviews')).toHaveLength(1);
  });
});

describe('writeRows pauses instead of dead-lettering what every row shares', () => {
  it('every row refused alike: systemic, nothing dead-lettered, retried until it clears', async () => {
    let broken = true;
    const warehouse = new FakeWarehouse(() => (broken ? PARSE : undefined));
    const { result, blocked } = await write(warehouse, rowsOf(1_000));
    await expect.poll(() => blocked.length).toBeGreaterThanOrEqual(3);
    broken = false;
    expect((await result).size).toBe(0);
    expect(warehouse.stored).toHaveLength(1_000);
    expect(blocked.every((b) => b.systemic && b.errorClass.code === 25)).toBe(true);
    // The verdict costs about 2 log2(n) failed inserts per attempt, not 2n.
    const perAttempt = (warehouse.inserts - 1) / blocked.length;
    expect(perAttempt).toBeLessThanOrEqual(1 + 2 * Math.ceil(Math.log2(1_000)));
  });

  it('a table error (missing table) pauses without bisecting', async () => {
    let missing = true;
    const warehouse = new FakeWarehouse(() => (missing ? UNKNOWN_TABLE : undefined));
    const { result, blocked } = await write(warehouse, rowsOf(100));
    await expect.poll(() => blocked.length).toBeGreaterThanOrEqual(2);
    expect(warehouse.inserts).toBe(blocked.length);
    missing = false;
    await result;
    expect(blocked[0]).toMatchObject({
      table: 'reviews',
      systemic: true,
      errorClass: { name: 'UNKNOWN_TABLE' },
    });
  });

  it('the warehouse going away mid-bisection: retriable, nothing is refused, everything lands after', async () => {
    // Inserts 3 to 5 (the first halves of the bisection) find the warehouse unreachable.
    const warehouse: FakeWarehouse = new FakeWarehouse((row) => {
      if (warehouse.inserts >= 3 && warehouse.inserts <= 5) return 'connect ECONNREFUSED 127.0.0.1:8123';
      return row['id'] === 5 ? PARSE : undefined;
    });
    const { result, blocked } = await write(warehouse, rowsOf(1_000));
    const rejected = (await result).get('reviews') ?? [];
    expect(blocked.some((b) => !b.systemic && b.errorClass.kind === 'retriable')).toBe(true);
    expect(rejected.map((r) => r.row['id'])).toEqual([5]);
    expect(new Set(warehouse.stored.map((r) => r['id'])).size).toBe(999);
  });

  it('stops retrying when told to (shutdown), committing nothing', async () => {
    const warehouse = new FakeWarehouse(() => UNKNOWN_TABLE);
    const stop = new AbortController();
    const { result, blocked } = await write(warehouse, rowsOf(10), stop.signal);
    await expect.poll(() => blocked.length).toBeGreaterThanOrEqual(1);
    stop.abort();
    await expect(result).rejects.toThrow(/stopped while retrying/);
  });
});

describe('writeRows with several tables at once', () => {
  /** Each insert takes a few ms; counts how many run at the same time. */
  class SlowWarehouse {
    inFlight = 0;
    peak = 0;
    readonly tables: string[] = [];
    constructor(
      private readonly refuses: (table: string, row: Row) => string | undefined = () => undefined,
    ) {}
    async insertJsonEachRow(qualified: string, rows: readonly object[]): Promise<void> {
      const table = qualified.replace(/^db\./, '');
      this.inFlight++;
      this.peak = Math.max(this.peak, this.inFlight);
      await new Promise((resolve) => setTimeout(resolve, table === 'slow' ? 60 : 5));
      this.inFlight--;
      for (const row of rows as Row[]) {
        const error = this.refuses(table, row);
        if (error !== undefined) throw new Error(error);
      }
      this.tables.push(table);
    }
  }
  const plan = (tables: string[]) => new Map(tables.map((table) => [table, rowsOf(3)]));

  it('writes every table, never more at once than asked, and reports refusals in the plan order', async () => {
    const tables = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    const warehouse = new SlowWarehouse((table, row) =>
      ['f', 'b'].includes(table) && row['id'] === 1 ? PARSE : undefined,
    );
    const rejected = await writeRows(warehouse, 'db', plan(tables), { retry, concurrency: 3 });
    expect(warehouse.peak).toBe(3);
    expect([...new Set(warehouse.tables)].sort()).toEqual(tables);
    expect([...rejected.keys()]).toEqual(['b', 'f']);
    expect(rejected.get('f')?.map((refusal) => refusal.row['id'])).toEqual([1]);
  });

  it('one at a time unless asked', async () => {
    const warehouse = new SlowWarehouse();
    await writeRows(warehouse, 'db', plan(['a', 'b', 'c']), { retry });
    expect(warehouse.peak).toBe(1);
  });

  it('a table that fails fails the write only once the others under way have settled', async () => {
    const warehouse = new SlowWarehouse();
    const failing = {
      insertJsonEachRow: async (table: string, rows: readonly object[]) => {
        if (table === 'db.a') throw new Error('connect ECONNREFUSED');
        await warehouse.insertJsonEachRow(table, rows);
      },
    };
    // 'a' is retried as unreachable until the shutdown signal at 20 ms stops it; 'slow' is still being written.
    const result = writeRows(failing, 'db', plan(['a', 'b', 'slow']), {
      retry,
      concurrency: 3,
      signal: AbortSignal.timeout(20),
    });
    await expect(result).rejects.toThrow(/stopped while retrying/);
    expect(warehouse.inFlight).toBe(0);
    expect(warehouse.tables.sort()).toEqual(['b', 'slow']);
  });
});
