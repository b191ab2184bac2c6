/**
 * The first gate of a query from outside (the sink's POST /sql, `npm run sql`): exactly one SELECT, WITH,
 * SHOW, DESCRIBE, DESC or EXPLAIN statement. The engine's readonly mode is the real guarantee (no writes, DDL,
 * SET, file() or url()); this check gives a clear answer first, and refuses what readonly lets through:
 * several statements (chDB runs each), `INTO OUTFILE` (chDB writes the file even in readonly mode) and a
 * `FORMAT` clause (the answer is always JSON).
 *
 * It reads the text the way ClickHouse's lexer does for the subset it accepts: quoted strings and identifiers
 * with backslash escapes, `--` and `/* *\/` comments. What it cannot read with certainty (heredoc `$$`
 * strings, `#` comments, nested or unterminated comments and quotes) is refused rather than guessed.
 */

export type StatementRefusal =
  | 'empty_query'
  | 'statement_not_allowed'
  | 'multiple_statements'
  | 'unsupported_syntax';

export type StatementCheck =
  | { ok: true /** the statement without trailing `;` and comments */; statement: string }
  | { ok: false; code: StatementRefusal; message: string };

const ALLOWED_FIRST = new Set(['SELECT', 'WITH', 'SHOW', 'DESCRIBE', 'DESC', 'EXPLAIN']);
const ALLOWED_TEXT = 'SELECT, WITH, SHOW, DESCRIBE, DESC or EXPLAIN';

interface Token {
  kind: 'word' | 'quoted' | 'symbol';
  text: string;
  end: number;
}

class Refused extends Error {
  constructor(
    readonly code: StatementRefusal,
    message: string,
  ) {
    super(message);
  }
}

/** Index just past the closing `quote` of the quoted text starting at `start`. */
function quotedEnd(sql: string, start: number): number {
  const quote = sql[start];
  for (let i = start + 1; i < sql.length; i++) {
    const char = sql[i];
    if (char === '\\') i++;
    else if (char === quote) {
      if (sql[i + 1] === quote)
        i++; // a doubled quote stands for itself
      else return i + 1;
    }
  }
  throw new Refused('unsupported_syntax', `unterminated ${quote} quote`);
}

function* tokens(sql: string): Generator<Token> {
  let i = 0;
  while (i < sql.length) {
    const char = sql[i] ?? '';
    const next = sql[i + 1];
    if (/\s/.test(char)) {
      i++;
    } else if (char === '-' && next === '-') {
      const newline = sql.indexOf('\n', i);
      i = newline === -1 ? sql.length : newline + 1;
    } else if (char === '/' && next === '*') {
      const close = sql.indexOf('*/', i + 2);
      if (close === -1) throw new Refused('unsupported_syntax', 'unterminated /* comment');
      if (sql.slice(i + 2, close).includes('/*')) {
        throw new Refused('unsupported_syntax', 'nested /* comments are not accepted');
      }
      i = close + 2;
    } else if (char === "'" || char === '"' || char === '`') {
      const end = quotedEnd(sql, i);
      yield { kind: 'quoted', text: sql.slice(i, end), end };
      i = end;
    } else if (char === '#' || char === '$') {
      throw new Refused(
        'unsupported_syntax',
        `${char} outside quotes is not accepted (heredocs, # comments)`,
      );
    } else if (/[A-Za-z0-9_]/.test(char)) {
      let end = i + 1;
      while (end < sql.length && /[A-Za-z0-9_]/.test(sql[end] ?? '')) end++;
      yield { kind: 'word', text: sql.slice(i, end).toUpperCase(), end };
      i = end;
    } else {
      yield { kind: 'symbol', text: char, end: i + 1 };
      i++;
    }
  }
}

export function checkReadOnlyStatement(sql: string): StatementCheck {
  try {
    const all = [...tokens(sql)];
    const first = all[0];
    if (first === undefined) return { ok: false, code: 'empty_query', message: 'the query is empty' };
    if (first.kind !== 'word' || !ALLOWED_FIRST.has(first.text)) {
      throw new Refused('statement_not_allowed', `only one ${ALLOWED_TEXT} statement is accepted`);
    }
    let end = first.end;
    for (let index = 1; index < all.length; index++) {
      const token = all[index] as Token;
      if (token.kind === 'symbol' && token.text === ';') {
        if (all.slice(index + 1).some((t) => !(t.kind === 'symbol' && t.text === ';'))) {
          throw new Refused('multiple_statements', `send one statement at a time (${ALLOWED_TEXT})`);
        }
        break;
      }
      if (token.kind === 'word' && token.text === 'INTO') {
        throw new Refused(
          'statement_not_allowed',
          'INTO (OUTFILE) is not accepted: the answer is the JSON reply',
        );
      }
      if (token.kind === 'word' && token.text === 'FORMAT' && all[index + 1]?.text !== '(') {
        throw new Refused('statement_not_allowed', 'leave out FORMAT: the answer is always JSON rows');
      }
      end = token.end;
    }
    return { ok: true, statement: sql.slice(0, end).trim() };
  } catch (error) {
    if (error instanceof Refused) return { ok: false, code: error.code, message: error.message };
    throw error;
  }
}
