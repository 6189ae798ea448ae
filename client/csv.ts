/**
 * A small RFC 4180 CSV reader and writer, so that HR exports can be read without a dependency.
 * Reads: quoted fields (with commas, line breaks and `""` escapes), CRLF, LF or CR line ends, a
 * UTF-8 byte order mark, and a missing final line end. Blank lines are skipped (spreadsheet exports
 * often end with some). Every record keeps the line it starts on, for error messages.
 */

export interface CsvRecord {
  /** 1-based line of the file on which the record starts. */
  line: number;
  fields: string[];
}

/** A syntax error at a place in the file: 1-based line and character column. */
export class CsvSyntaxError extends Error {
  constructor(
    public readonly line: number,
    public readonly column: number,
    public readonly problem: string,
  ) {
    super(`line ${line}, character ${column}: ${problem}`);
    this.name = 'CsvSyntaxError';
  }
}

export function parseCsv(text: string): CsvRecord[] {
  const input = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  let line = 1;
  let column = 0;
  let i = 0;

  let fields: string[] = [];
  let field = '';
  let recordLine = 1;
  // Whether the current record has any content: a line with nothing on it is skipped, not a record.
  let started = false;

  const endRecord = (): void => {
    if (started) records.push({ line: recordLine, fields: [...fields, field] });
    fields = [];
    field = '';
    started = false;
  };
  /** Consumes a line end at `i` (CRLF, LF or CR) if there is one. */
  const lineEnd = (): boolean => {
    const c = input[i];
    if (c === '\r') {
      i += input[i + 1] === '\n' ? 2 : 1;
    } else if (c === '\n') {
      i += 1;
    } else return false;
    line += 1;
    column = 0;
    return true;
  };

  while (i < input.length) {
    if (!started) recordLine = line;
    if (lineEnd()) {
      endRecord();
      continue;
    }
    const c = input[i] as string;
    if (c === ',') {
      started = true;
      fields.push(field);
      field = '';
      i += 1;
      column += 1;
      continue;
    }
    if (c === '"') {
      if (field !== '') {
        throw new CsvSyntaxError(
          line,
          column + 1,
          'a quote inside a field that does not start with one (quote the whole field, and double the quote)',
        );
      }
      started = true;
      const openLine = line;
      const openColumn = column + 1;
      i += 1;
      column += 1;
      for (;;) {
        if (i >= input.length) {
          throw new CsvSyntaxError(openLine, openColumn, 'a quoted field is never closed');
        }
        const q = input[i] as string;
        if (q === '"') {
          if (input[i + 1] === '"') {
            field += '"';
            i += 2;
            column += 2;
            continue;
          }
          i += 1;
          column += 1;
          break;
        }
        if (q === '\r' || q === '\n') {
          // A line break inside quotes belongs to the field; keep counting lines for later messages.
          field += q === '\r' && input[i + 1] === '\n' ? '\r\n' : q;
          lineEnd();
          continue;
        }
        field += q;
        i += 1;
        column += 1;
      }
      const next = input[i];
      if (next !== undefined && next !== ',' && next !== '\r' && next !== '\n') {
        throw new CsvSyntaxError(
          line,
          column + 1,
          'characters after a closing quote (a quote must end its field)',
        );
      }
      continue;
    }
    started = true;
    field += c;
    i += 1;
    column += 1;
  }
  endRecord();
  return records;
}

/** One CSV field, quoted when it has to be. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** CSV text with CRLF line ends, as RFC 4180 says. */
export function toCsv(rows: ReadonlyArray<ReadonlyArray<string>>): string {
  return rows.map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}
