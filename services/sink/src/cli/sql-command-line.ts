/**
 * The command line of `npm run sql`, read by hand rather than by node:util's parseArgs: a query is free text
 * and may start with a `--` comment, which parseArgs takes for an unknown flag (it threw, with a stack
 * trace). An argument is a flag only when it looks like one (`-f`, `--format`, `--format=csv`: no spaces or
 * line breaks); everything else, and everything after a bare `--`, is query text.
 */

export const OUTPUT_FORMATS = ['table', 'json', 'csv'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export type QuerySource =
  | { kind: 'text'; sql: string }
  | { kind: 'file'; path: string }
  /** explicitly (`-`) or because no query was given and stdin is not a terminal */
  | { kind: 'stdin' };

export type SqlCommand = { kind: 'help' } | { kind: 'run'; source: QuerySource; format: OutputFormat };

export class SqlUsageError extends Error {
  override name = 'SqlUsageError';
}

const FLAG = /^(?:-[A-Za-z]|--[A-Za-z][A-Za-z0-9-]*(?:=[^\s]*)?)$/;

function isFormat(text: string): text is OutputFormat {
  return (OUTPUT_FORMATS as readonly string[]).includes(text);
}

/** `argv` without node and the script; `stdinIsTerminal` decides whether a missing query is read from stdin. */
export function parseSqlCommandLine(argv: readonly string[], stdinIsTerminal: boolean): SqlCommand {
  const words: string[] = [];
  let format: OutputFormat | undefined;
  let file: string | undefined;
  let dash = false;
  let help = false;

  const setFormat = (flag: string, value: string | undefined) => {
    if (value === undefined || !isFormat(value)) {
      throw new SqlUsageError(
        `${flag}: expected one of ${OUTPUT_FORMATS.join(', ')}, got ${value === undefined ? 'nothing' : JSON.stringify(value)}`,
      );
    }
    if (format !== undefined && format !== value) {
      throw new SqlUsageError(`two output formats given (${format} and ${value}): choose one`);
    }
    format = value;
  };

  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] as string;
    if (arg === '--') {
      words.push(...argv.slice(index + 1));
      break;
    }
    if (arg === '-') {
      dash = true;
      continue;
    }
    if (!FLAG.test(arg)) {
      words.push(arg);
      continue;
    }
    const equals = arg.indexOf('=');
    const name = equals === -1 ? arg : arg.slice(0, equals);
    const inline = equals === -1 ? undefined : arg.slice(equals + 1);
    const value = (): string | undefined => {
      if (inline !== undefined) return inline;
      const next = argv[index + 1];
      if (next === undefined) return undefined;
      index++;
      return next;
    };
    switch (name) {
      case '-h':
      case '--help':
        help = true;
        break;
      case '--json':
        setFormat('--json', 'json');
        break;
      case '--format':
        setFormat('--format', value());
        break;
      case '-f':
      case '--file': {
        const path = value();
        if (path === undefined || path === '') throw new SqlUsageError(`${name}: name the .sql file to run`);
        if (file !== undefined) throw new SqlUsageError(`${name}: only one file at a time`);
        file = path;
        break;
      }
      default:
        throw new SqlUsageError(`unknown option ${name}`);
    }
  }

  if (help) return { kind: 'help' };
  const text = words.join(' ');
  if (words.length > 0 && text.trim() === '') throw new SqlUsageError('the query argument is empty');
  const given = [words.length > 0 && 'a query argument', file !== undefined && '-f', dash && '-'].filter(
    (what): what is string => what !== false,
  );
  if (given.length > 1) {
    throw new SqlUsageError(`give the query one way, not ${given.join(' and ')}`);
  }
  let source: QuerySource;
  if (file !== undefined) source = { kind: 'file', path: file };
  else if (dash) source = { kind: 'stdin' };
  else if (words.length > 0) source = { kind: 'text', sql: text };
  else if (!stdinIsTerminal) source = { kind: 'stdin' };
  else throw new SqlUsageError('no query given');
  return { kind: 'run', source, format: format ?? 'table' };
}
