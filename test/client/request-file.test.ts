import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { locateJsonError, parseJson } from '../../client/json-syntax';
import {
  loadRequestFile,
  parseRequestText,
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

const lines = (problems: FileProblem[]): string[] => problems.map((p) => `${p.where}: ${p.message}`);

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
      '--authing-user-id-type: must be one of user_id, external_id, phone, email, username, identity, sync_relation, custom_field; got "userid"',
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

  it('reports a CSV syntax error by line and character', () => {
    expect(lines(problemsOf('wpsUserId\nw1\n"w2\n', 'csv', { requestId: 'r' }))).toEqual([
      'line 3, character 1: a quoted field is never closed',
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

  it('names the field of a validation problem, and the id type that was given', () => {
    const text = JSON.stringify({
      requestId: 'r1',
      authingUserIdType: 'userId',
      leavers: [{ employeeId: 'E1', wpsUserId: 'w 1' }],
    });
    expect(lines(problemsOf(text, 'json'))).toEqual([
      'authingUserIdType: must be one of user_id, external_id, phone, email, username, identity, sync_relation, custom_field; got "userId"',
      'leavers[0] (employee E1).wpsUserId: must not contain whitespace',
    ]);
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
    ["{'a': 1}", 1, 2, "expected a property name in double quotes, found '''"],
    ['[1, 2', 1, 6, "expected ',' or ']' after an array element, found the end of the text"],
    ['{"a": "x\ny"}', 1, 9, 'a line break or control character inside a string'],
    ['{"a": tru}', 1, 10, "expected true, found '}'"],
    ['{} x', 1, 4, "unexpected 'x' after the JSON value"],
    ['', 1, 1, 'expected a value, found the end of the text'],
  ])('%j: line %i, column %i', (text, line, column, message) => {
    expect(() => JSON.parse(text) as unknown).toThrow();
    expect(locateJsonError(text)).toEqual({ line, column, message });
  });

  it('parses good JSON, with a byte order mark too', () => {
    expect(parseJson('\uFEFF{"a":[1,"x",null,true]}')).toEqual({
      ok: true,
      value: { a: [1, 'x', null, true] },
    });
  });
});
