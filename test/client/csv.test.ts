import fc from 'fast-check';
import { CsvSyntaxError, csvField, parseCsv, toCsv } from '../../client/csv';

const fieldsOf = (text: string): string[][] => parseCsv(text).map((r) => r.fields);

describe('CSV reader (RFC 4180)', () => {
  it('reads plain records with LF, CRLF or CR line ends, with or without a final one', () => {
    for (const end of ['\n', '\r\n', '\r']) {
      expect(fieldsOf(`a,b,c${end}1,2,3${end}`)).toEqual([
        ['a', 'b', 'c'],
        ['1', '2', '3'],
      ]);
      expect(fieldsOf(`a,b${end}1,2`)).toEqual([
        ['a', 'b'],
        ['1', '2'],
      ]);
    }
  });

  it('drops a UTF-8 byte order mark (Excel writes one)', () => {
    expect(fieldsOf('\uFEFFemployeeId,wpsUserId\nE1,w1\n')).toEqual([
      ['employeeId', 'wpsUserId'],
      ['E1', 'w1'],
    ]);
  });

  it('reads quoted fields with commas, line breaks and doubled quotes', () => {
    expect(fieldsOf('"a,b","say ""hi""","two\r\nlines",""\n')).toEqual([
      ['a,b', 'say "hi"', 'two\r\nlines', ''],
    ]);
  });

  it('keeps empty fields, and skips blank lines', () => {
    expect(fieldsOf('a,,c\n\n,\n\r\n"",x\n')).toEqual([
      ['a', '', 'c'],
      ['', ''],
      ['', 'x'],
    ]);
  });

  it('gives each record the line it starts on, counting line breaks inside quotes', () => {
    const records = parseCsv('h1,h2\n"multi\nline",x\n\nlast,y\n');
    expect(records.map((r) => r.line)).toEqual([1, 2, 5]);
  });

  it.each([
    ['a quote inside an unquoted field', 'a,b"c\n', 1, 4, /quote inside a field/],
    ['text after a closing quote', 'h\n"abc"x\n', 2, 6, /after a closing quote/],
    ['a quote that is never closed', 'h\nok\n"never\nclosed\n', 3, 1, /never closed/],
  ])('refuses %s, naming line and character', (_, text, line, column, message) => {
    let error: unknown;
    try {
      parseCsv(text);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(CsvSyntaxError);
    expect(error).toMatchObject({ line, column });
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toMatch(new RegExp(`^line ${line}, character ${column}: `));
  });

  it('writes fields that need it quoted, and CRLF line ends', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(
      toCsv([
        ['a', 'b\nc'],
        ['', 'x'],
      ]),
    ).toBe('a,"b\nc"\r\n,x\r\n');
  });

  it('reads back whatever it writes (property)', () => {
    const field = fc.string({ unit: fc.constantFrom('a', 'b', ',', '"', '\n', '\r', ' ', 'é') });
    const row = fc.array(field, { minLength: 2, maxLength: 5 });
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 6 }), (rows) => {
        // A record of one empty field is a blank line, which the reader skips by design.
        const written = rows.map((r) => r.map((f) => (f === '' ? '""' : csvField(f))).join(',')).join('\r\n');
        expect(fieldsOf(written)).toEqual(rows);
      }),
      { numRuns: 300 },
    );
  });
});
