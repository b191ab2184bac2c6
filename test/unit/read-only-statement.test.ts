import { checkReadOnlyStatement } from '@okendo/sink';
import { describe, expect, it } from 'vitest';

describe('checkReadOnlyStatement', () => {
  it.each([
    ['SELECT 1', 'SELECT 1'],
    ['  select 1 ;  ', 'select 1'],
    ['-- note\n/* block */\n  WITH 1 AS x SELECT x', '-- note\n/* block */\n  WITH 1 AS x SELECT x'],
    ['SHOW TABLES', 'SHOW TABLES'],
    ['DESCRIBE TABLE t', 'DESCRIBE TABLE t'],
    ['desc t', 'desc t'],
    ['EXPLAIN SELECT 1', 'EXPLAIN SELECT 1'],
    [
      "SELECT ';' AS s, 'it''s', 'a\\'b', `we;ird`, \"x;y\" FROM t -- ; trailing",
      "SELECT ';' AS s, 'it''s', 'a\\'b', `we;ird`, \"x;y\" FROM t",
    ],
    [
      "SELECT format('{}', 1), name FROM system.settings",
      "SELECT format('{}', 1), name FROM system.settings",
    ],
    ['SELECT 1;;', 'SELECT 1'],
  ])('accepts %j as %j', (sql, statement) => {
    expect(checkReadOnlyStatement(sql)).toEqual({ ok: true, statement });
  });

  it.each([
    ['', 'empty_query'],
    ['  -- only a comment\n', 'empty_query'],
    ['DROP TABLE t', 'statement_not_allowed'],
    ['INSERT INTO t VALUES (1)', 'statement_not_allowed'],
    ['/* SELECT */ DELETE FROM t WHERE 1', 'statement_not_allowed'],
    ['(SELECT 1)', 'statement_not_allowed'],
    ["SELECT 1 INTO OUTFILE '/tmp/x'", 'statement_not_allowed'],
    ['SELECT 1 FORMAT CSV', 'statement_not_allowed'],
    ['SELECT 1; DROP TABLE t', 'multiple_statements'],
    ['SELECT 1; -- c\nSELECT 2', 'multiple_statements'],
    ["SELECT 'unterminated", 'unsupported_syntax'],
    ['SELECT 1 /* open', 'unsupported_syntax'],
    ['SELECT 1 /* a /* nested */ */', 'unsupported_syntax'],
    ['SELECT $$;$$; DROP TABLE t', 'unsupported_syntax'],
    ['SELECT 1 # comment', 'unsupported_syntax'],
  ])('refuses %j with %s', (sql, code) => {
    expect(checkReadOnlyStatement(sql)).toMatchObject({ ok: false, code, message: expect.any(String) });
  });
});
