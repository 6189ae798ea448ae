import { shownKey } from '../workflows/validation';

/**
 * Places in a JSON text, as lines and columns. `JSON.parse` names no position in some of its
 * messages (and quotes the text around the error, which may hold people's ids), so when it fails we
 * scan the text ourselves for the first problem and describe that instead. And when a parsed value
 * is refused by validation, `locateJsonValues` scans the text again, recording where the values of
 * the given JSON paths start, so that a problem can be shown at its line.
 *
 * A key given twice in one object is refused too: `JSON.parse` would silently keep the last, so a
 * request could say two things and be read as one. This scanner, not a library: no runtime
 * dependency parses JSON with positions and duplicate keys (`yaml` is for tests only, and reads a
 * superset of JSON), and this one already walks the text for positions and never quotes a value.
 */

export interface JsonSyntaxProblem {
  /** 1-based. */
  line: number;
  /** 1-based, in characters. */
  column: number;
  message: string;
  /** Set when the text is JSON but repeats a key in one object (at `line`/`column`: its second use). */
  duplicateKey?: {
    /** The key's path, for a reader: `leavers[1].wpsUserId`; odd keys cut and escaped (`shownKey`). */
    path: string;
    /** Where the key is first given. */
    first: JsonPosition;
  };
}

export type JsonParse = { ok: true; value: unknown } | { ok: false; problem: JsonSyntaxProblem };

/** A place in a text: 1-based line, and 1-based column in characters (UTF-16 units). */
export interface JsonPosition {
  line: number;
  column: number;
}

/** A path into a JSON value: object keys and array indexes, from the root (`[]`). */
export type JsonPath = ReadonlyArray<string | number>;

/** A path as text: `leavers[3].wpsUserId`; a key that is not a plain name is quoted, `["a b"]`. */
export function jsonPathText(path: JsonPath): string {
  return path.reduce<string>((text, segment) => text + segmentText(segment, text === ''), '');
}

function segmentText(segment: string | number, first: boolean): string {
  if (typeof segment === 'number') return `[${segment}]`;
  if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(segment)) return first ? segment : `.${segment}`;
  return `[${JSON.stringify(segment)}]`;
}

function withoutBom(text: string): string {
  return text.startsWith('\uFEFF') ? text.slice(1) : text;
}

export function parseJson(text: string): JsonParse {
  const input = withoutBom(text);
  let value: unknown;
  try {
    value = JSON.parse(input) as unknown;
  } catch {
    return { ok: false, problem: locateJsonError(input) };
  }
  // JSON.parse took it; the scan finds what it lets through (a repeated key), or nothing.
  const problem = firstProblem(input, true);
  return problem ? { ok: false, problem } : { ok: true, value };
}

/**
 * Where the values at `paths` start in `text` (valid JSON; a byte order mark is skipped as
 * `parseJson` skips it), by `jsonPathText` of each path. A path with no value in the text is
 * absent from the map. Of a key given twice, the last counts, as for `JSON.parse`.
 *
 * One pass over the text; only the wanted paths are recorded, so that a 100,000-leaver file costs
 * no more memory than the problems it has.
 */
export function locateJsonValues(text: string, paths: readonly JsonPath[]): Map<string, JsonPosition> {
  const input = withoutBom(text);
  const wanted = new Set(paths.map(jsonPathText));
  // Only the prefixes of wanted paths are worth descending into with a path of their own.
  const prefixes = new Set<string>();
  for (const path of paths)
    for (let n = 0; n <= path.length; n++) prefixes.add(jsonPathText(path.slice(0, n)));
  const found = new Map<string, number>();
  try {
    scan(input, (path, index) => {
      if (wanted.has(path)) found.set(path, index);
      return prefixes.has(path);
    });
  } catch (err) {
    // Not JSON after all: what was found before the error stands.
    if (!(err instanceof Stop)) throw err;
  }
  const at = positionsIn(input);
  return new Map([...found].map(([path, index]) => [path, at(index)]));
}

class Stop extends Error {
  constructor(
    readonly index: number,
    readonly problem: string,
  ) {
    super(problem);
  }
}

/** A key given twice in one object: `index` is its second use, `firstIndex` its first. */
class DuplicateKey extends Stop {
  constructor(
    index: number,
    readonly path: string,
    readonly firstIndex: number,
  ) {
    super(index, `the key ${path} is given twice in one object`);
  }
}

/** A path for a reader: `leavers[1].wpsUserId`, an odd key cut and escaped as `["a\u0020b"]`. */
function shownPath(path: JsonPath): string {
  return path.reduce<string>((text, segment) => {
    if (typeof segment === 'number') return `${text}[${segment}]`;
    if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(segment)) return text === '' ? segment : `${text}.${segment}`;
    return `${text}["${shownKey(segment)}"]`;
  }, '');
}

function shown(c: string | undefined): string {
  if (c === undefined) return 'the end of the text';
  if (c === '\n' || c === '\r') return 'a line break';
  // A control or invisible character (NUL, an RTL override, half a surrogate pair) is named, not printed.
  if (/[\p{Cc}\p{Cf}\p{Cs}]/u.test(c))
    return `U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
  return `'${c}'`;
}

/**
 * Called with the path (as `jsonPathText`) and start of each value the scan reaches; returns whether
 * to go into its members (false: the value is skipped over).
 */
type ValueVisitor = (path: string, index: number) => boolean;

const MAX_DEPTH = 1000;

const NUMBER = /-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;

/**
 * Scans `text` as JSON to its end, throwing `Stop` at the first syntax error or repeated key. With
 * `visit` (for a text JSON.parse took), tells it where each value starts, and skips what it does not
 * go into (repeated keys are not looked for then). A text JSON.parse took (`parsed`) is not refused
 * for its depth: what lies deeper than MAX_DEPTH is skipped (no request goes nearly that deep).
 */
function scan(text: string, visit?: ValueVisitor, parsed = visit !== undefined): void {
  let i = 0;
  // The path to the value being read, for naming a repeated key; kept only without `visit`.
  const trail: Array<string | number> = [];
  const fail = (problem: string): never => {
    throw new Stop(i, problem);
  };
  const space = (): void => {
    while (i < text.length && ' \t\r\n'.includes(text[i] as string)) i += 1;
  };
  const literal = (word: string): void => {
    for (const expected of word) {
      if (text[i] !== expected) fail(`expected ${word}, found ${shown(text[i])}`);
      i += 1;
    }
  };
  const string = (): void => {
    i += 1; // the opening quote
    for (;;) {
      const c = text[i];
      if (c === undefined) fail('a string is never closed');
      if (c === '"') {
        i += 1;
        return;
      }
      if (c === '\\') {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail('a \\u escape needs four hex digits');
          i += 6;
          continue;
        }
        if (e === undefined || !'"\\/bfnrt'.includes(e)) {
          i += 1;
          fail(`${shown(e)} cannot follow a backslash in a string`);
        }
        i += 2;
        continue;
      }
      if ((c as string).charCodeAt(0) < 0x20) fail('a line break or control character inside a string');
      i += 1;
    }
  };
  const number = (): void => {
    // Sticky: matched in place, without copying the rest of a 10 MB text per number.
    NUMBER.lastIndex = i;
    const match = NUMBER.exec(text);
    if (!match || match[0] === '-') fail(`expected a number, found ${shown(text[i])}`);
    i += (match as RegExpExecArray)[0].length;
  };
  // Over a valid text (JSON.parse took it), a value nobody asked about is skipped without recursion.
  const skip = (): void => {
    const c = text[i];
    if (c === '"') return string();
    if (c !== '{' && c !== '[') {
      // A number or a literal: up to what follows it.
      while (i < text.length && !',}] \t\r\n'.includes(text[i] as string)) i += 1;
      return;
    }
    i += 1;
    for (let open = 1; open > 0; ) {
      const d = text[i];
      if (d === undefined) fail('the text ends inside a value');
      if (d === '"') {
        string();
        continue;
      }
      if (d === '{' || d === '[') open += 1;
      else if (d === '}' || d === ']') open -= 1;
      i += 1;
    }
  };
  let depth = 0;
  const nested = (): void => {
    depth += 1;
    // Deeper than any request, and than the stack allows this recursion to go.
    if (depth > MAX_DEPTH) fail(`nested more than ${MAX_DEPTH} levels deep`);
  };
  // `path` is the value's path, or undefined when nobody asked for it (or for anything under it).
  const value = (path: string | undefined): void => {
    space();
    if (visit !== undefined && path === undefined) return skip();
    const c = text[i];
    const track = path !== undefined && visit !== undefined && visit(path, i);
    if (c === '{' || c === '[') {
      if (parsed && depth >= MAX_DEPTH) return skip();
      nested();
      if (c === '{') object(track ? path : undefined);
      else array(track ? path : undefined);
      depth -= 1;
      return;
    }
    if (c === '"') return string();
    if (c === 't') return literal('true');
    if (c === 'f') return literal('false');
    if (c === 'n') return literal('null');
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return number();
    fail(`expected a value, found ${shown(c)}`);
  };
  const object = (path: string | undefined): void => {
    i += 1;
    space();
    if (text[i] === '}') {
      i += 1;
      return;
    }
    // Without `visit`: each key's first index, to refuse one given twice.
    const keys = visit === undefined ? new Map<string, number>() : undefined;
    for (;;) {
      space();
      if (text[i] !== '"') fail(`expected a property name in double quotes, found ${shown(text[i])}`);
      const keyStart = i;
      string();
      const raw = text.slice(keyStart, i);
      // Compared as JSON.parse reads them: "a" and "\u0061" are one key.
      const decoded = (): string => (raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1));
      const key = path === undefined ? undefined : decoded();
      if (keys !== undefined) {
        const name = decoded();
        const first = keys.get(name);
        if (first !== undefined) throw new DuplicateKey(keyStart, shownPath([...trail, name]), first);
        keys.set(name, keyStart);
        trail.push(name);
      }
      space();
      if (text[i] !== ':') fail(`expected ':' after a property name, found ${shown(text[i])}`);
      i += 1;
      value(path === undefined || key === undefined ? undefined : path + segmentText(key, path === ''));
      if (keys !== undefined) trail.pop();
      space();
      if (text[i] === ',') {
        i += 1;
        continue;
      }
      if (text[i] === '}') {
        i += 1;
        return;
      }
      fail(`expected ',' or '}' after a property value, found ${shown(text[i])}`);
    }
  };
  const array = (path: string | undefined): void => {
    i += 1;
    space();
    if (text[i] === ']') {
      i += 1;
      return;
    }
    for (let index = 0; ; index++) {
      if (visit === undefined) trail.push(index);
      value(path === undefined ? undefined : `${path}[${index}]`);
      if (visit === undefined) trail.pop();
      space();
      if (text[i] === ',') {
        i += 1;
        continue;
      }
      if (text[i] === ']') {
        i += 1;
        return;
      }
      fail(`expected ',' or ']' after an array element, found ${shown(text[i])}`);
    }
  };

  value('');
  space();
  if (i < text.length) fail(`unexpected ${shown(text[i])} after the JSON value`);
}

/** The first syntax error (or repeated key) of `text`, which JSON.parse refused. */
export function locateJsonError(text: string): JsonSyntaxProblem {
  return firstProblem(text, false) ?? { line: 1, column: 1, message: 'is not valid JSON' };
}

/** The first syntax error or repeated key of `text`, or undefined when it has neither. */
function firstProblem(text: string, parsed: boolean): JsonSyntaxProblem | undefined {
  try {
    scan(text, undefined, parsed);
    return undefined;
  } catch (err) {
    if (!(err instanceof Stop)) throw err;
    const at = positionsIn(text);
    const { line, column } = at(err.index);
    if (!(err instanceof DuplicateKey)) return { line, column, message: err.problem };
    const first = at(err.firstIndex);
    return {
      line,
      column,
      message: `${err.problem} (first at line ${first.line}, column ${first.column})`,
      duplicateKey: { path: err.path, first },
    };
  }
}

/** A function from the index of a value in `text` to its line and column; lines end at \r\n, \r or \n. */
function positionsIn(text: string): (index: number) => JsonPosition {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n' || (c === '\r' && text[i + 1] !== '\n')) starts.push(i + 1);
  }
  return (index) => {
    // The last line start at or before `index`.
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = Math.ceil((low + high) / 2);
      if ((starts[mid] ?? 0) <= index) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, column: index - (starts[low] ?? 0) + 1 };
  };
}
