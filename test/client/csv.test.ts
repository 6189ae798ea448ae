import fc from 'fast-check';
import { CsvSyntaxError, parseCsv, toCsv } from '../../client/csv';
import { resultCsv } from '../../client/report';
import type { LeaverOutcome } from '../../workflows/outcome';

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

  it('gives each record the line it starts on, counting line breaks inside quotes (CRLF as one)', () => {
    const records = parseCsv('h1,h2\n"multi\nline",x\n\nlast,y\n');
    expect(records.map((r) => r.line)).toEqual([1, 2, 5]);
    const crlf = parseCsv('\r\nh1,h2\r\n"a\r\nb","c\rd"\r\n\r\nlast,y\r\nz');
    expect(crlf.map((r) => r.line)).toEqual([2, 3, 7, 8]);
  });

  it.each([
    ['a quote inside an unquoted field', 'a,b"c\n', 1, 2, /quote inside a field/],
    ['text after a closing quote', 'h\n\n"abc"x\n', 3, 1, /after a closing quote/],
    ['a quote that is never closed', 'h\nok\n"never\nclosed\n', 3, 1, /never closed/],
    ['a quote never closed after a multi-line record', 'h,i\r\n"a\r\nb",c\r\nd,"e\r\n', 4, 2, /never closed/],
  ])('refuses %s, naming the line the record starts on and the column', (_, text, line, column, message) => {
    let error: unknown;
    try {
      parseCsv(text);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(CsvSyntaxError);
    expect(error).toMatchObject({ line, column });
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toMatch(new RegExp(`^line ${line}, column ${column}: `));
  });

  it('never echoes the cell in an error (csv-parse quotes it in its own)', () => {
    for (const text of ['id\nperson-a"b\n', 'id\n"person-a"b\n', 'id\n"person-a\n']) {
      expect(() => parseCsv(text)).toThrow(/^line 2, column 1: /);
      expect(() => parseCsv(text)).not.toThrow(/person|"/);
    }
  });

  it('refuses half a surrogate pair, which reading as UTF-8 would turn into U+FFFD unseen', () => {
    expect(() => parseCsv('id\n\nw\ud800\n')).toThrow(/^line 3: half a surrogate pair$/);
  });
});

describe('CSV writer', () => {
  it('quotes fields that need it (any line break too), with CRLF line ends', () => {
    expect(
      toCsv([
        ['plain', 'a,b', 'say "hi"'],
        ['b\nc', 'd\re', ''],
      ]),
    ).toBe('plain,"a,b","say ""hi"""\r\n"b\nc","d\re",\r\n');
  });

  it.each(['=', '+', '-', '@', '\t', '\r', '\uff1d'])(
    'writes a cell starting with %j after a quote, so that a spreadsheet shows it as text',
    (prefix) => {
      const cell = `${prefix}1+cmd|' /C calc'!A0`;
      const [header, row] = parseCsv(
        toCsv([
          ['id', 'message'],
          [`${prefix}86`, cell],
        ]),
      );
      expect(header?.fields).toEqual(['id', 'message']);
      expect(row?.fields).toEqual([`'${prefix}86`, `'${cell}`]);
    },
  );

  it('reads back whatever it writes, a quote before what a spreadsheet would run (property)', () => {
    const unit = fc.constantFrom('a', ',', '"', '\n', '\r', ' ', 'é', '=', '+', '-', '@', '\t', "'");
    const row = fc.array(fc.string({ unit }), { minLength: 2, maxLength: 5 });
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 6 }), (rows) => {
        const neutralised = rows.map((r) => r.map((f) => (/^[=+\-@\t\r]/.test(f) ? `'${f}` : f)));
        expect(fieldsOf(toCsv(rows))).toEqual(neutralised);
      }),
      { numRuns: 300 },
    );
  });
});

describe('result CSV', () => {
  const outcome = (message: string): LeaverOutcome => ({
    employeeId: 'E1',
    wpsUserId: '+8613800000000',
    authingUserId: 'au-1',
    wps: { status: 'failed', code: '-1', message, vendorRequestId: 'req-1' },
    authing: { status: 'done' },
  });

  it('writes a vendor message =HYPERLINK("x") as text: the written cell starts with a quote', () => {
    const csv = resultCsv([outcome('=HYPERLINK("x")')]);
    expect(csv.split('\r\n')[1]).toBe(
      `E1,'+8613800000000,failed,'-1,"'=HYPERLINK(""x"")",req-1,au-1,done,,,`,
    );
    const [, row] = parseCsv(csv);
    expect(row?.fields[4]).toBe('\'=HYPERLINK("x")');
  });
});
