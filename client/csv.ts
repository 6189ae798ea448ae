import { CsvError, parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';

/**
 * CSV (RFC 4180) through csv-parse and csv-stringify: CRLF, LF or CR line ends (mixed too), a byte
 * order mark; blank lines skipped (spreadsheet exports often end with some). Every record keeps the
 * line it starts on, for error messages; records of unequal length are read, for the caller to
 * report every one of them at once.
 */

export interface CsvRecord {
  /** 1-based line of the file on which the record starts. */
  line: number;
  fields: string[];
}

/** A syntax error at the record starting on `line`, in its field `column` (1-based) when known. */
export class CsvSyntaxError extends Error {
  readonly where: string;
  constructor(
    public readonly line: number,
    public readonly column: number | undefined,
    public readonly problem: string,
  ) {
    const where = `line ${line}${column === undefined ? '' : `, column ${column}`}`;
    super(`${where}: ${problem}`);
    this.where = where;
    this.name = 'CsvSyntaxError';
  }
}

// csv-parse's own messages quote the cell (an id): ours name the place only.
const PROBLEMS: Record<string, string> = {
  INVALID_OPENING_QUOTE:
    'a quote inside a field that does not start with one (quote the whole field, and double the quote)',
  CSV_INVALID_CLOSING_QUOTE: 'characters after a closing quote (a quote must end its field)',
  CSV_QUOTE_NOT_CLOSED: 'a quoted field is never closed',
};

const breaks = (text: string): number => text.match(/\r\n|\r|\n/g)?.length ?? 0;

export function parseCsv(text: string): CsvRecord[] {
  // csv-parse reads UTF-8, into which half a surrogate pair would pass as U+FFFD, unseen by validation.
  const lone = /\p{Cs}/u.exec(text);
  if (lone)
    throw new CsvSyntaxError(breaks(text.slice(0, lone.index)) + 1, undefined, 'half a surrogate pair');
  // Lines are counted here: csv-parse's `info.lines` counts a CRLF inside quotes twice. A record
  // starts on the line after the previous one ends, past the blank lines skipped since.
  const records: CsvRecord[] = [];
  let end = 0;
  let blanks = 0;
  const startOf = (emptyLines: number): number => end + 1 + emptyLines - blanks;
  try {
    parse(text, {
      bom: true,
      skip_empty_lines: true,
      relax_column_count: true,
      record_delimiter: ['\r\n', '\n', '\r'],
      on_record: (fields, info) => {
        const line = startOf(info.empty_lines);
        records.push({ line, fields });
        end = line + breaks(fields.join(','));
        blanks = info.empty_lines;
        return null;
      },
    });
  } catch (err) {
    if (!(err instanceof CsvError)) throw err;
    const column = typeof err.column === 'number' ? err.column + 1 : undefined;
    throw new CsvSyntaxError(startOf(Number(err.empty_lines)), column, PROBLEMS[err.code] ?? 'not CSV');
  }
  return records;
}

/**
 * CSV text with CRLF line ends, as RFC 4180 says. A cell a spreadsheet would run as a formula is
 * written with a `'` before it (OWASP's advice; csv-stringify's `escape_formulas`): result CSVs carry
 * vendor messages, and operators open them in spreadsheets. No column is exempt, ids included
 * (`+1+cmd|...`; a spreadsheet would drop a phone number's `+` anyway): docs/cli.md.
 */
export function toCsv(rows: ReadonlyArray<ReadonlyArray<string>>): string {
  // A line break of any kind is quoted (csv-stringify quotes only `\r\n` once it is told the delimiter).
  return stringify([...rows], {
    record_delimiter: 'windows',
    quote_record_delimiter: true,
    escape_formulas: true,
  });
}
