import { qualifiedName, quoteIdentifier } from '@okendo/sink';
import { describe, expect, it } from 'vitest';
import { uniqueName } from '../harness/names.js';

describe('warehouse identifiers', () => {
  it('quotes configured database and table names', () => {
    expect(qualifiedName('okendo', 'reviews')).toBe('`okendo`.`reviews`');
  });

  it.each(['', 'drop table x', 'a`b', '1abc', 'okendo.reviews'])('rejects %j', (name) => {
    expect(() => quoteIdentifier(name)).toThrow(/invalid identifier/);
  });

  it('accepts the unique names the test harness makes', () => {
    const name = uniqueName('test');
    expect(quoteIdentifier(name)).toBe(`\`${name}\``);
    expect(uniqueName('test')).not.toBe(name);
  });
});
