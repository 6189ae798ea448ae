import fs from 'node:fs';
import path from 'node:path';
import type { Leaver, OffboardingRequest, ValidRequest } from '../workflows/request';
import { shownKey, validateRequest, type ValidationIssue } from '../workflows/validation';
import { CsvSyntaxError, parseCsv } from './csv';
import { jsonPathText, locateJsonValues, parseJson, type JsonPath, type JsonPosition } from './json-syntax';

/**
 * Reads an offboarding request from a JSON file (the request itself) or a CSV file (its leavers, one
 * a line; the request's own fields come from the caller's flags). Every problem is reported at once,
 * by line and column, and a JSON problem by its field too.
 */

export type RequestFileFormat = 'json' | 'csv';

/** The request fields a CSV cannot carry, given by the caller (the CLI's flags). */
export interface RequestFields {
  requestId?: string;
  effectiveAt?: string;
  authingUserIdType?: string;
}

/** Names of the `RequestFields` as the caller shows them, e.g. `--request-id`. */
export type FieldLabels = Record<keyof RequestFields, string>;

const FLAG_LABELS: FieldLabels = {
  requestId: '--request-id',
  effectiveAt: '--effective-at',
  authingUserIdType: '--authing-user-id-type',
};

export interface FileProblem {
  /**
   * Where: `line 4, column wpsUserId` (CSV), `line 5, column 3` (a JSON syntax error),
   * `leavers[3].wpsUserId` (a field of a JSON request, with `line` and `column`), `--request-id`, `file`.
   */
  where: string;
  /** Of a JSON request's field: where its value starts (a missing field's: the object that lacks it). */
  line?: number;
  column?: number;
  message: string;
}

/** A problem as one line of text: `line 7, column 20, leavers[3].wpsUserId: must not contain whitespace`. */
export function problemText(problem: FileProblem): string {
  const at = problem.line !== undefined ? `line ${problem.line}, column ${problem.column ?? 1}, ` : '';
  return `${at}${problem.where}: ${problem.message}`;
}

export class RequestFileError extends Error {
  constructor(
    public readonly file: string,
    public readonly problems: FileProblem[],
    options?: { cause?: unknown },
  ) {
    super(
      `${file}: not a valid offboarding request (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  ${problemText(p)}`).join('\n'),
      options,
    );
    this.name = 'RequestFileError';
  }
}

export interface LoadedRequest {
  format: RequestFileFormat;
  request: OffboardingRequest;
  valid: ValidRequest;
  /** For a CSV file: the line of each leaver, in request order. */
  leaverLines?: number[];
}

export const CSV_COLUMNS = ['employeeId', 'wpsUserId', 'authingUserId'] as const;
type CsvColumn = (typeof CSV_COLUMNS)[number];

// As many as validation reports, so that a broken 100,000-line file still gives a readable list.
const MAX_PROBLEMS = 50;

export function formatOf(file: string): RequestFileFormat {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.json') return 'json';
  if (ext === '.csv') return 'csv';
  throw new RequestFileError(file, [
    { where: 'file', message: `has the extension "${ext || '(none)'}"; give a .json or a .csv file` },
  ]);
}

export function loadRequestFile(file: string, fields: RequestFields = {}): LoadedRequest {
  const format = formatOf(file);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder' : (code ?? 'unreadable');
    throw new RequestFileError(file, [{ where: 'file', message: `cannot be read (${why})` }], { cause: err });
  }
  return parseRequestText(text, format, fields, file);
}

export function parseRequestText(
  text: string,
  format: RequestFileFormat,
  fields: RequestFields,
  file: string,
  labels: FieldLabels = FLAG_LABELS,
): LoadedRequest {
  return format === 'json' ? fromJson(text, fields, file, labels) : fromCsv(text, fields, file, labels);
}

function fromJson(text: string, fields: RequestFields, file: string, labels: FieldLabels): LoadedRequest {
  // A JSON request names its own fields: a flag beside it would be a second, conflicting source.
  const extra = (Object.keys(labels) as Array<keyof RequestFields>).filter((k) => fields[k] !== undefined);
  if (extra.length > 0) {
    throw new RequestFileError(
      file,
      extra.map((k) => ({
        where: labels[k],
        message: `applies to a CSV file only; a JSON request sets ${k} itself`,
      })),
    );
  }
  const parsed = parseJson(text);
  if (!parsed.ok) {
    const { line, column, message, duplicateKey } = parsed.problem;
    // A repeated key is named like a field: JSON.parse would have kept only the last value.
    throw new RequestFileError(file, [
      duplicateKey
        ? {
            where: duplicateKey.path,
            line,
            column,
            message: `is given twice in one object (first at line ${duplicateKey.first.line}, column ${duplicateKey.first.column}); give it once`,
          }
        : { where: `line ${line}, column ${column}`, message: `not JSON: ${message}` },
    ]);
  }
  const result = validateRequest(parsed.value);
  if (!result.ok) throw new RequestFileError(file, jsonProblems(text, result.issues, parsed.value));
  return { format: 'json', request: parsed.value as OffboardingRequest, valid: result.request };
}

/**
 * Validation issues of a JSON request, each named by its field and placed at its value (a missing
 * one's: the object that lacks it), in file order.
 */
function jsonProblems(text: string, issues: readonly ValidationIssue[], input: unknown): FileProblem[] {
  const paths = issues.map((issue) => issuePath(issue.field, input));
  // Each path's ancestors too, for a missing field.
  const candidates = paths.flatMap((path) => path.map((_, n) => path.slice(0, path.length - n)).concat([[]]));
  const positions = locateJsonValues(text, candidates);
  const placed = issues.map((issue, n) => {
    const path = paths[n] ?? [];
    let position: JsonPosition | undefined;
    for (let length = path.length; position === undefined && length >= 0; length--) {
      position = positions.get(jsonPathText(path.slice(0, length)));
    }
    const { line, column } = position ?? { line: 1, column: 1 };
    return { where: issue.field, line, column, message: withGivenIdType(issue, input) };
  });
  return placed.sort((a, b) => a.line - b.line || a.column - b.column);
}

/**
 * The path in the request of a validation issue's field. The field is text for a reader
 * (`leavers[3] (employee E4).wpsUserId`, an unknown key cut and escaped), so it is matched against
 * the request's own keys rather than parsed; what cannot be matched is placed at the leaver or the
 * request.
 */
function issuePath(field: string, input: unknown): JsonPath {
  if (!isRecord(input)) return [];
  for (const key of Object.keys(input)) if (shownKey(key) === field) return [key];
  const match = /^leavers\[(\d+)\]/.exec(field);
  if (!match || !Array.isArray(input.leavers)) return [];
  const index = Number(match[1]);
  const leaver: unknown = input.leavers[index];
  if (!isRecord(leaver)) return ['leavers', index];
  // After `leavers[3]`: nothing, ` (employee E4)`, `.key` or ` (employee E4).key`.
  const rest = field.slice(match[0].length);
  const described = typeof leaver.employeeId === 'string' ? ` (employee ${leaver.employeeId})` : undefined;
  for (const key of Object.keys(leaver)) {
    const suffix = `.${shownKey(key)}`;
    if (!rest.endsWith(suffix)) continue;
    const between = rest.slice(0, rest.length - suffix.length);
    if (between === '' || between === described) return ['leavers', index, key];
  }
  return ['leavers', index];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Says which id type was given, since "must be one of seven" alone leaves the reader to find it. */
function withGivenIdType(issue: ValidationIssue, input: unknown): string {
  if (
    issue.field !== 'authingUserIdType' ||
    !issue.message.startsWith('must be one of') ||
    typeof input !== 'object' ||
    input === null
  )
    return issue.message;
  const given = (input as { authingUserIdType?: unknown }).authingUserIdType;
  // Cut and escaped: the value may be megabytes, or hold characters that rewrite the terminal line.
  const shown =
    typeof given === 'string' ? `"${shownKey(given)}"` : shownKey(JSON.stringify(given) ?? String(given));
  return `${issue.message}; got ${shown}`;
}

function fromCsv(text: string, fields: RequestFields, file: string, labels: FieldLabels): LoadedRequest {
  let records;
  try {
    records = parseCsv(text);
  } catch (err) {
    if (!(err instanceof CsvSyntaxError)) throw err;
    throw new RequestFileError(file, [{ where: err.where, message: err.problem }], { cause: err });
  }
  const [header, ...rows] = records;
  if (!header) {
    throw new RequestFileError(file, [
      { where: 'file', message: `is empty; it needs a header line such as ${CSV_COLUMNS.join(',')}` },
    ]);
  }
  const problems: FileProblem[] = [];
  const add = (where: string, message: string): void => {
    if (problems.length < MAX_PROBLEMS) problems.push({ where, message });
  };

  const columns: CsvColumn[] = [];
  header.fields.forEach((name, index) => {
    const where = `line ${header.line}, column ${index + 1}`;
    if (!(CSV_COLUMNS as readonly string[]).includes(name)) {
      add(
        where,
        name === ''
          ? 'a column without a name'
          : `unknown column "${shownKey(name)}"; the columns are ${CSV_COLUMNS.join(', ')} (names are case-sensitive)`,
      );
    } else if (columns.includes(name as CsvColumn)) {
      add(where, `column "${name}" appears twice`);
    }
    columns.push(name as CsvColumn);
  });
  if (problems.length === 0 && !columns.includes('wpsUserId') && !columns.includes('authingUserId')) {
    add(`line ${header.line}`, 'the header needs a wpsUserId or an authingUserId column (or both)');
  }
  // Without a sound header no line can be read; say so before anything else.
  if (problems.length > 0) throw new RequestFileError(file, problems);

  const leavers: Leaver[] = [];
  const leaverLines: number[] = [];
  for (const row of rows) {
    if (row.fields.length !== columns.length) {
      add(`line ${row.line}`, `has ${row.fields.length} fields; the header has ${columns.length}`);
      continue;
    }
    const leaver: Leaver = {};
    // An empty cell is an absent id (a leaver with no account in that system).
    columns.forEach((column, index) => {
      const value = row.fields[index];
      if (value) leaver[column] = value;
    });
    leavers.push(leaver);
    leaverLines.push(row.line);
  }

  if (fields.requestId === undefined) {
    add(labels.requestId, 'is required with a CSV file, which carries only the leavers');
  }
  const request: OffboardingRequest = { requestId: fields.requestId ?? '', leavers };
  if (fields.effectiveAt !== undefined) request.effectiveAt = fields.effectiveAt;
  if (fields.authingUserIdType !== undefined)
    request.authingUserIdType = fields.authingUserIdType as OffboardingRequest['authingUserIdType'];

  const result = validateRequest(request);
  if (!result.ok) {
    for (const issue of result.issues) {
      if (issue.field === 'requestId' && fields.requestId === undefined) continue; // reported above
      // Every line was malformed: those lines are reported, "no leaver lines" would mislead.
      if (issue.field === 'leavers' && rows.length > 0 && leavers.length === 0) continue;
      const problem = csvProblem(issue, leaverLines, labels, request);
      add(problem.where, problem.message);
    }
  }
  if (problems.length > 0 || !result.ok) throw new RequestFileError(file, byPlace(problems));
  return { format: 'csv', request, valid: result.request, leaverLines };
}

/** Problems of the whole file and the flags first, then by line, as a reader goes through the file. */
function byPlace(problems: FileProblem[]): FileProblem[] {
  const lineOf = (p: FileProblem): number => Number(/^line (\d+)/.exec(p.where)?.[1] ?? 0);
  return [...problems].sort((a, b) => lineOf(a) - lineOf(b));
}

/** A validation issue of a request read from CSV, placed by line and column instead of leaver index. */
function csvProblem(
  issue: ValidationIssue,
  lines: readonly number[],
  labels: FieldLabels,
  request: OffboardingRequest,
): FileProblem {
  const lineOf = (index: string): string => `line ${lines[Number(index)] ?? '?'}`;
  // "duplicates leavers[0].wpsUserId (x)" reads, in a CSV, "duplicates the wpsUserId of line 2 (x)".
  const message = withGivenIdType(issue, request)
    .replace(
      /leavers\[(\d+)\]\.([A-Za-z]+)/g,
      (_, n: string, column: string) => `the ${column} of ${lineOf(n)}`,
    )
    .replace(/leavers\[(\d+)\]/g, (_, n: string) => lineOf(n));
  if (issue.field in labels) return { where: labels[issue.field as keyof FieldLabels], message };
  if (issue.field === 'leavers') return { where: 'file', message: 'has no leaver lines under its header' };
  // `leavers[3]`, `leavers[3] (employee E4)`, `leavers[3] (employee E4).wpsUserId`
  const match = /^leavers\[(\d+)\](?: \(employee .*\))?(?:\.([A-Za-z]+))?$/s.exec(issue.field);
  if (!match) return { where: issue.field, message };
  const [, index = '', column] = match;
  return { where: column ? `${lineOf(index)}, column ${column}` : lineOf(index), message };
}
