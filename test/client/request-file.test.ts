import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { jsonPathText, locateJsonValues, parseJson, type JsonSyntaxProblem } from '../../client/json-syntax';
import {
  loadRequestFile,
  parseRequestText,
  problemText,
  RequestFileError,
  type FileProblem,
  type RequestFields,
} from '../../client/request-file';

function problemsOf(text: string, format: 'json' | 'csv', fields: RequestFields = {}): FileProblem[] {
  try {
    parseRequestText(text, format, fields, 'request');
  } catch (err) {
    if (err instanceof RequestFileError) return err.problems;
    throw err;
  }
  throw new Error('expected the request to be refused');
}

const lines = (problems: FileProblem[]): string[] => problems.map(problemText);

describe('request file: CSV', () => {
  it('reads leavers under a header in any order, an empty cell being an absent id', () => {
    const loaded = parseRequestText(
      '\uFEFFauthingUserId,employeeId,wpsUserId\r\nau-1,E1,wps-1\r\nau-2,E2,\r\n,E3,wps-3\r\n',
      'csv',
      { requestId: 'hr-42', effectiveAt: '2026-11-30T18:00:00+08:00', authingUserIdType: 'external_id' },
      'leavers.csv',
    );
    expect(loaded.request).toEqual({
      requestId: 'hr-42',
      effectiveAt: '2026-11-30T18:00:00+08:00',
      authingUserIdType: 'external_id',
      leavers: [
        { authingUserId: 'au-1', employeeId: 'E1', wpsUserId: 'wps-1' },
        { authingUserId: 'au-2', employeeId: 'E2' },
        { employeeId: 'E3', wpsUserId: 'wps-3' },
      ],
    });
    expect(loaded.leaverLines).toEqual([2, 3, 4]);
    expect(loaded.valid.authingUserIdType).toBe('external_id');
  });

  it('accepts a header with one id column only', () => {
    const loaded = parseRequestText('wpsUserId\nw1\nw2\n', 'csv', { requestId: 'r1' }, 'f.csv');
    expect(loaded.request.leavers).toEqual([{ wpsUserId: 'w1' }, { wpsUserId: 'w2' }]);
  });

  it('names an unknown, a duplicated and an unnamed column by position', () => {
    expect(
      lines(problemsOf('employeeId,wpsUserid,employeeId,\nE1,w,E1,\n', 'csv', { requestId: 'r' })),
    ).toEqual([
      'line 1, column 2: unknown column "wpsUserid"; the columns are employeeId, wpsUserId, authingUserId (names are case-sensitive)',
      'line 1, column 3: column "employeeId" appears twice',
      'line 1, column 4: a column without a name',
    ]);
  });

  it('needs an id column, and a header at all', () => {
    expect(lines(problemsOf('employeeId\nE1\n', 'csv', { requestId: 'r' }))).toEqual([
      'line 1: the header needs a wpsUserId or an authingUserId column (or both)',
    ]);
    expect(lines(problemsOf('\n\n', 'csv', { requestId: 'r' }))).toEqual([
      'file: is empty; it needs a header line such as employeeId,wpsUserId,authingUserId',
    ]);
    expect(lines(problemsOf('wpsUserId\n', 'csv', { requestId: 'r' }))).toEqual([
      'file: has no leaver lines under its header',
    ]);
  });

  it('places validation problems by line and column, in file order, with the flags named as flags', () => {
    const csv = [
      'employeeId,wpsUserId,authingUserId',
      'E1,wps-1,au-1',
      'E2,wps 2,au-2',
      'E3,wps-1,au-3',
      'E4,,',
      'E5,wps-5',
      '"E6","wps-6","au-\u200b6"',
    ].join('\n');
    expect(
      lines(
        problemsOf(csv, 'csv', {
          requestId: 'bad id',
          authingUserIdType: 'userid',
          effectiveAt: '2026-11-30',
        }),
      ),
    ).toEqual([
      '--request-id: must be 1-128 characters of letters, digits, ".", "_", ":" or "-", starting with a letter or digit',
      '--effective-at: must be an ISO 8601 time with an offset, e.g. 2026-11-30T18:00:00+08:00',
      '--authing-user-id-type: must be one of user_id, external_id, phone, email, username, identity, sync_relation; got "userid"',
      'line 3, column wpsUserId: must not contain whitespace',
      'line 4, column wpsUserId: duplicates the wpsUserId of line 2 (wps-1)',
      'line 5: needs at least one of wpsUserId, authingUserId',
      'line 6: has 2 fields; the header has 3',
      'line 7, column authingUserId: must not contain control or invisible characters',
    ]);
  });

  it('counts lines as the file has them: quoted line breaks and blank lines included', () => {
    const csv = 'employeeId,wpsUserId\n"E\n1",w1\n\nE2,w 2\n';
    expect(lines(problemsOf(csv, 'csv', { requestId: 'r' }))).toEqual([
      'line 2, column employeeId: must not contain whitespace',
      'line 5, column wpsUserId: must not contain whitespace',
    ]);
  });

  it('requires --request-id, and says why', () => {
    expect(lines(problemsOf('wpsUserId\nw1\n', 'csv'))).toEqual([
      '--request-id: is required with a CSV file, which carries only the leavers',
    ]);
  });

  it('refuses an employee on two lines, an Authing id with a comma, custom_field and an impossible date', () => {
    const csv = [
      'employeeId,wpsUserId,authingUserId',
      'E1,wps-1,au-1',
      'E2,wps-2,"au,2"',
      'E1,wps-3,au-3',
    ].join('\n');
    expect(
      lines(
        problemsOf(csv, 'csv', {
          requestId: 'r',
          effectiveAt: '2026-02-30T18:00:00+08:00',
          authingUserIdType: 'custom_field',
        }),
      ),
    ).toEqual([
      '--effective-at: is not a real time: February 2026 has no day 30 (it has 28)',
      "--authing-user-id-type: cannot be custom_field: Authing's user records do not say which custom field matched, so the resigned users could never be verified; use one of user_id, external_id, phone, email, username, identity, sync_relation (external_id for an HR employee number)",
      'line 3, column authingUserId: must not contain a comma: Authing reads ids as a comma-separated list, so this user could not be verified',
      "line 4, column employeeId: duplicates the employeeId of line 2 (E1); one employee's ids belong on one leaver",
    ]);
  });

  it('reports a CSV syntax error by line and column, never quoting the cell', () => {
    expect(lines(problemsOf('wpsUserId\nw1\n"w2\n', 'csv', { requestId: 'r' }))).toEqual([
      'line 3, column 1: a quoted field is never closed',
    ]);
    expect(
      lines(problemsOf('employeeId,wpsUserId\nE1,\n\nE2,pers"on-b\n', 'csv', { requestId: 'r' })),
    ).toEqual([
      'line 4, column 2: a quote inside a field that does not start with one (quote the whole field, and double the quote)',
    ]);
  });
});

describe('request file: JSON', () => {
  it('reads the request', () => {
    const loaded = parseRequestText(
      JSON.stringify({ requestId: 'r1', leavers: [{ wpsUserId: 'w1' }] }),
      'json',
      {},
      'r.json',
    );
    expect(loaded.valid).toEqual({
      requestId: 'r1',
      authingUserIdType: 'user_id',
      leavers: [{ wpsUserId: 'w1' }],
    });
  });

  it('names the line and column of a syntax error', () => {
    const text = '{\n  "requestId": "r1",\n  "leavers": [\n    {"wpsUserId": "w1"},\n  ]\n}\n';
    expect(lines(problemsOf(text, 'json'))).toEqual([
      "line 5, column 3: not JSON: expected a value, found ']'",
    ]);
  });

  it('names the line, column and field of a validation problem, and the id type that was given', () => {
    const text = JSON.stringify(
      { requestId: 'r1', authingUserIdType: 'userId', leavers: [{ employeeId: 'E1', wpsUserId: 'w 1' }] },
      null,
      2,
    );
    expect(lines(problemsOf(text, 'json'))).toEqual([
      'line 3, column 24, authingUserIdType: must be one of user_id, external_id, phone, email, username, identity, sync_relation; got "userId"',
      'line 7, column 20, leavers[0] (employee E1).wpsUserId: must not contain whitespace',
    ]);
  });

  it('gives the line and column apart from the field, for scripts (--json), and in the message', () => {
    const text = '{"requestId": "r1",\n "leavers": [{"wpsUserId": "w 1"}]}';
    let thrown: unknown;
    try {
      parseRequestText(text, 'json', {}, 'r.json');
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(RequestFileError);
    expect((thrown as RequestFileError).problems).toEqual([
      { where: 'leavers[0].wpsUserId', line: 2, column: 28, message: 'must not contain whitespace' },
    ]);
    expect((thrown as RequestFileError).message).toBe(
      'r.json: not a valid offboarding request (1 problem):\n  line 2, column 28, leavers[0].wpsUserId: must not contain whitespace',
    );
  });

  it('places each problem at its value, a missing field at the object that lacks it, in file order', () => {
    const text = [
      '\uFEFF{',
      '  "leavers": [',
      '    {"employeeId": "E1", "wpsUserId": "w1"},',
      '    {"employeeId": "E2"},',
      '    {"employeeId": "E3", "wpsUserId": "w1",',
      '     "authingUserId": 7, "email": "x@example.com"},',
      '    "E4",',
      '    {"employeeId": "E 5", "wpsUserId": "w5"}',
      '  ],',
      '  "effectiveAt": "tomorrow", "note": {"a": 1}',
      '}',
    ].join('\r\n');
    expect(lines(problemsOf(text, 'json'))).toEqual([
      'line 1, column 1, requestId: is required',
      'line 4, column 5, leavers[1] (employee E2): needs at least one of wpsUserId, authingUserId',
      'line 5, column 39, leavers[2] (employee E3).wpsUserId: duplicates leavers[0].wpsUserId (w1)',
      'line 6, column 23, leavers[2] (employee E3).authingUserId: must be a string, got number',
      'line 6, column 35, leavers[2] (employee E3).email: is not a known field',
      'line 7, column 5, leavers[3]: must be an object',
      'line 8, column 20, leavers[4].employeeId: must not contain whitespace',
      'line 10, column 18, effectiveAt: must be an ISO 8601 time with an offset, e.g. 2026-11-30T18:00:00+08:00',
      'line 10, column 38, note: is not a known field',
    ]);
  });

  it('places a problem in a key that is cut or escaped for display, and in a request that is not an object', () => {
    const long = `x${'y'.repeat(80)}`;
    const text = `{"requestId": "r1",\n "leavers": [{"wpsUserId": "w1",\n  "${long}": 1, "a\\tb": 2}]}`;
    expect(lines(problemsOf(text, 'json'))).toEqual([
      `line 3, column ${long.length + 7}, leavers[0].${long.slice(0, 64)}…: is not a known field`,
      `line 3, column ${long.length + 18}, leavers[0].a\\u0009b: is not a known field`,
    ]);
    expect(lines(problemsOf('\n\n  [1, 2]', 'json'))).toEqual([
      'line 3, column 3, (request): must be a JSON object',
    ]);
  });

  it('refuses a key given twice, naming it and both places, never its values', () => {
    const top = '{"requestId": "secret-a",\n "leavers": [{"wpsUserId": "w1"}],\n "requestId": "secret-b"}';
    expect(lines(problemsOf(top, 'json'))).toEqual([
      'line 3, column 2, requestId: is given twice in one object (first at line 1, column 2); give it once',
    ]);
    // In a leaver, and spelt another way: JSON.parse reads "\u0077psUserId" as wpsUserId.
    const nested =
      '{"requestId": "r1", "leavers": [\n  {"wpsUserId": "w1"},\n  {"wpsUserId": "person-a",\n   "\\u0077psUserId": "person-b"}]}';
    const problems = problemsOf(nested, 'json');
    expect(lines(problems)).toEqual([
      'line 4, column 4, leavers[1].wpsUserId: is given twice in one object (first at line 3, column 4); give it once',
    ]);
    expect(problems).toEqual([
      {
        where: 'leavers[1].wpsUserId',
        line: 4,
        column: 4,
        message: 'is given twice in one object (first at line 3, column 4); give it once',
      },
    ]);
    for (const text of [top, nested])
      expect(JSON.stringify(problemsOf(text, 'json'))).not.toMatch(/secret|person/);
  });

  it('names a repeated odd key cut and escaped, so that it cannot flood or rewrite the terminal', () => {
    const odd = `a\u202e${'k'.repeat(100)}`;
    const text = JSON.stringify({ requestId: 'r1', leavers: [{ wpsUserId: 'w1' }] }).replace(
      '"leavers"',
      `"${odd}": 1, "${odd}": 2, "leavers"`,
    );
    const [problem] = problemsOf(text, 'json');
    expect(problem?.where).toBe(`["a\\u202e${'k'.repeat(62)}…"]`);
    expect(problem?.message).toMatch(/^is given twice in one object \(first at line 1, column 19\)/);
  });

  it('refuses CSV-only flags beside a JSON request rather than choosing between two sources', () => {
    const text = JSON.stringify({ requestId: 'r1', leavers: [{ wpsUserId: 'w1' }] });
    expect(lines(problemsOf(text, 'json', { requestId: 'r2' }))).toEqual([
      '--request-id: applies to a CSV file only; a JSON request sets requestId itself',
    ]);
  });
});

describe('request file: from disk', () => {
  let dir: string;
  beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'request-file-'))));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('chooses the format by extension, and refuses others', () => {
    const csv = path.join(dir, 'leavers.CSV');
    fs.writeFileSync(csv, 'wpsUserId\nw1\n');
    expect(loadRequestFile(csv, { requestId: 'r1' }).format).toBe('csv');
    expect(() => loadRequestFile(path.join(dir, 'leavers.txt'))).toThrow(
      /file: has the extension "\.txt"; give a \.json or a \.csv file/,
    );
  });

  it('says when a file cannot be read', () => {
    expect(() => loadRequestFile(path.join(dir, 'missing.json'))).toThrow(
      /file: cannot be read \(no such file\)/,
    );
  });
});

describe('JSON syntax locator', () => {
  it.each([
    ['{"a": }', 1, 7, "expected a value, found '}'"],
    ['{"a": 1,\n "b" 2}', 2, 6, "expected ':' after a property name, found '2'"],
    ["{'a': 1}", 1, 2, "unexpected '''"],
    ['[1, 2', 1, 6, "expected ',' or ']' after an array element, found the end of the text"],
    ['{"a": 1\r\n', 2, 1, "expected ',' or '}' after a property value, found the end of the text"],
    ['{"a": "x\ny"}', 1, 7, 'a string is not closed before the line ends'],
    ['{"a": "x\u0001"}', 1, 7, 'a control character inside a string'],
    ['{"a": "\\q"}', 1, 7, 'a backslash before a character that JSON does not escape'],
    ['{"a": tru}', 1, 7, "unexpected 't'"],
    ['{"a": 1.}', 1, 7, 'a number ends too soon'],
    ['{"a": 01}', 1, 8, "expected ',' between members, found '1'"],
    ['{"a": 1,}', 1, 9, "expected a property name in double quotes, found '}'"],
    ['{"a": 1} // note', 1, 10, 'a comment, which JSON does not allow'],
    ['{} x', 1, 4, "unexpected 'x'"],
    ['{} }', 1, 4, "unexpected '}' after the JSON value"],
    ['{"a": \u202e}', 1, 7, 'unexpected U+202E'],
    ['', 1, 1, 'expected a value, found the end of the text'],
  ])('%j: line %i, column %i', (text, line, column, message) => {
    expect(() => JSON.parse(text) as unknown).toThrow();
    expect(parseJson(text)).toEqual({ ok: false, problem: { line, column, message } });
  });

  it('finds where the values of JSON paths start, keys in any spelling, the last of a repeated key', () => {
    const text = '\uFEFF{"a": [10,\r\n  {"b c": null, "d": "x"}],\r "a\\u0062": true, "e": 1, "e": {"f": 2}}';
    const found = locateJsonValues(text, [
      [],
      ['a', 1, 'b c'],
      ['a', 1, 'd'],
      ['ab'],
      ['e'],
      ['e', 'f'],
      ['a', 5],
      ['missing'],
    ]);
    expect(Object.fromEntries(found)).toEqual({
      '': { line: 1, column: 1 },
      'a[1]["b c"]': { line: 2, column: 11 },
      'a[1].d': { line: 2, column: 22 },
      ab: { line: 3, column: 13 },
      e: { line: 3, column: 32 },
      'e.f': { line: 3, column: 38 },
    });
    expect(jsonPathText(['leavers', 3, 'wpsUserId'])).toBe('leavers[3].wpsUserId');
    expect(jsonPathText([0, 'x-y'])).toBe('[0]["x-y"]');
  });

  it('goes no deeper than it must: a million nested arrays are neither a crash nor a hang', () => {
    const depth = 1_000_000;
    const deep = ` ${'['.repeat(depth)}${']'.repeat(depth)}`;
    expect(Object.fromEntries(locateJsonValues(deep, [[], [0, 0]]))).toEqual({
      '': { line: 1, column: 2 },
      '[0][0]': { line: 1, column: 4 },
    });
    const tooDeep: JsonSyntaxProblem = {
      line: 1,
      column: 1001,
      message: 'nested more than 1000 levels deep',
    };
    expect(parseJson('['.repeat(depth))).toEqual({ ok: false, problem: tooDeep });
    // Refused even where JSON.parse would read it: no request nests like that.
    expect(lines(problemsOf(deep, 'json'))).toEqual([
      'line 1, column 1002: not JSON: nested more than 1000 levels deep',
    ]);
  });

  it('refuses a repeated key, which JSON.parse would let the last of win, naming both places', () => {
    const parsed = parseJson('\uFEFF{"a": 1,\r\n "b": {"c": [{"d": 1, "d": 2}]}}');
    expect(parsed).toEqual({
      ok: false,
      problem: {
        line: 2,
        column: 23,
        message: 'the key b.c[0].d is given twice in one object (first at line 2, column 15)',
        duplicateKey: { path: 'b.c[0].d', first: { line: 2, column: 15 } },
      },
    });
    // The same key in two objects, and "a" beside "A", are no repeat.
    expect(parseJson('[{"a": 1}, {"a": 2, "A": 3}]').ok).toBe(true);
    // A repeat before a syntax error is the first problem of a text JSON.parse refused.
    expect(parseJson('{"a": 1, "a": 2, }')).toMatchObject({
      problem: { message: 'the key a is given twice in one object (first at line 1, column 2)' },
    });
  });

  it('parses good JSON, with a byte order mark too', () => {
    expect(parseJson('\uFEFF{"a":[1,"x",null,true]}')).toEqual({
      ok: true,
      value: { a: [1, 'x', null, true] },
    });
  });
});
