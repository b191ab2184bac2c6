import { DateTimeRangeError, MAX_DATETIME_SECONDS, toDateTime } from '@okendo/sink';
import { describe, expect, it } from 'vitest';

describe('toDateTime', () => {
  it('writes epoch seconds (whole seconds, truncated), from numbers and bigints alike', () => {
    expect(toDateTime(Date.parse('2025-01-31T20:00:00.999Z'))).toBe(1_738_353_600);
    expect(toDateTime(1_738_353_600_999n)).toBe(1_738_353_600);
    expect(toDateTime(0)).toBe(0);
    expect(toDateTime(MAX_DATETIME_SECONDS * 1_000 + 999)).toBe(MAX_DATETIME_SECONDS);
  });

  it.each([-1, -1n, (MAX_DATETIME_SECONDS + 1) * 1_000, 2n ** 63n, Number.NaN, Number.POSITIVE_INFINITY])(
    'refuses %s with a typed, non-retriable error',
    (input) => {
      const error = (() => {
        try {
          toDateTime(input);
        } catch (caught) {
          return caught;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(DateTimeRangeError);
      expect(error).toMatchObject({ code: 'datetime_out_of_range', retriable: false });
    },
  );
});
