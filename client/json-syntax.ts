import { printParseErrorCode, visit, type JSONPath } from 'jsonc-parser';
import { shownKey } from '../workflows/validation';

/**
 * Places in a JSON text, as lines and columns. `JSON.parse` gives the value but not always a position
 * (and quotes the text around an error, which may hold people's ids), so the text is also walked with
 * jsonc-parser (strict: it refuses what `JSON.parse` refuses) for the first problem, and for where
 * values start (`locateJsonValues`). A key given twice in one object is refused: `JSON.parse` would
 * silently keep the last. The value comes from `JSON.parse`, not from jsonc-parser, whose `parse`
 * would set a `"__proto__"` key as the object's prototype.
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

/** A path as text: `leavers[3].wpsUserId`; a key that is not a plain name is quoted by `key`, `["a b"]`. */
export function jsonPathText(path: JsonPath, key: (segment: string) => string = JSON.stringify): string {
  return path.reduce<string>((text, segment) => {
    if (typeof segment === 'number') return `${text}[${segment}]`;
    if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(segment)) return text === '' ? segment : `${text}.${segment}`;
    return `${text}[${key(segment)}]`;
  }, '');
}

function withoutBom(text: string): string {
  return text.startsWith('\uFEFF') ? text.slice(1) : text;
}

export function parseJson(text: string): JsonParse {
  const input = withoutBom(text);
  const problem = firstProblem(input);
  if (problem) return { ok: false, problem };
  try {
    return { ok: true, value: JSON.parse(input) as unknown };
  } catch {
    // Not seen in fuzzing against jsonc-parser; refused all the same.
    return { ok: false, problem: { line: 1, column: 1, message: 'is not valid JSON' } };
  }
}

/**
 * Where the values at `paths` start in `text` (valid JSON; a byte order mark is skipped as
 * `parseJson` skips it), by `jsonPathText` of each path. A path with no value in the text is
 * absent from the map. Of a key given twice, the last counts, as for `JSON.parse`.
 */
export function locateJsonValues(text: string, paths: readonly JsonPath[]): Map<string, JsonPosition> {
  const wanted = new Set(paths.map((path) => jsonPathText(path)));
  const found = new Map<string, JsonPosition>();
  // Not JSON after all (or too deep): what was found before the problem stands.
  firstProblem(withoutBom(text), (path, at) => {
    const key = jsonPathText(path);
    if (wanted.has(key)) found.set(key, at);
  });
  return found;
}

// Deeper than any request, and than jsonc-parser's recursion may go without exhausting the stack.
const MAX_DEPTH = 1000;

// jsonc-parser's error codes, as a reader is told them; `%s` is what was found there.
const MESSAGES: Record<string, string> = {
  InvalidSymbol: 'unexpected %s',
  ValueExpected: 'expected a value, found %s',
  PropertyNameExpected: 'expected a property name in double quotes, found %s',
  ColonExpected: "expected ':' after a property name, found %s",
  CommaExpected: "expected ',' between members, found %s",
  CloseBraceExpected: "expected ',' or '}' after a property value, found %s",
  CloseBracketExpected: "expected ',' or ']' after an array element, found %s",
  EndOfFileExpected: 'unexpected %s after the JSON value',
  InvalidCommentToken: 'a comment, which JSON does not allow',
  UnexpectedEndOfString: 'a string is not closed before the line ends',
  InvalidCharacter: 'a control character inside a string',
  InvalidUnicode: 'a \\u escape needs four hex digits',
  InvalidEscapeCharacter: 'a backslash before a character that JSON does not escape',
  UnexpectedEndOfNumber: 'a number ends too soon',
  InvalidNumberFormat: 'a number JSON cannot read',
};

/** What was found at an error: one character, named when it is a control or invisible one, never more. */
function shown(c: string | undefined): string {
  if (c === undefined) return 'the end of the text';
  if (c === '\n' || c === '\r') return 'a line break';
  if (/[\p{Cc}\p{Cf}\p{Cs}]/u.test(c))
    return `U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
  return `'${c}'`;
}

/**
 * The first syntax error, repeated key or nesting deeper than MAX_DEPTH of `text`, or undefined.
 * With `onValue` (for a text already known to be JSON), tells it where each value starts instead of
 * looking for repeated keys.
 */
function firstProblem(
  text: string,
  onValue?: (path: JSONPath, at: JsonPosition) => void,
): JsonSyntaxProblem | undefined {
  const keys: Array<Map<string, JsonPosition>> = [];
  let depth = 0;
  const at = (line: number, character: number): JsonPosition => ({ line: line + 1, column: character + 1 });
  const stop = (problem: JsonSyntaxProblem): never => {
    throw new Stop(problem);
  };
  const begin = (_: number, __: number, line: number, character: number, path: () => JSONPath): void => {
    depth += 1;
    if (depth > MAX_DEPTH)
      stop({ ...at(line, character), message: `nested more than ${MAX_DEPTH} levels deep` });
    onValue?.(path(), at(line, character));
  };
  try {
    visit(
      text,
      {
        onObjectBegin: (...args) => {
          begin(...args);
          keys.push(new Map());
        },
        onArrayBegin: begin,
        onObjectEnd: () => {
          depth -= 1;
          keys.pop();
        },
        onArrayEnd: () => (depth -= 1),
        onLiteralValue: (_, __, ___, line, character, path) => onValue?.(path(), at(line, character)),
        onObjectProperty: (key, _, __, line, character, path) => {
          const seen = onValue ? undefined : keys.at(-1);
          const first = seen?.get(key);
          seen?.set(key, at(line, character));
          if (!first) return;
          const shownPath = jsonPathText([...path(), key], (k) => `"${shownKey(k)}"`);
          stop({
            ...at(line, character),
            message: `the key ${shownPath} is given twice in one object (first at line ${first.line}, column ${first.column})`,
            duplicateKey: { path: shownPath, first },
          });
        },
        onError: (code, offset, _, line, character) => {
          const message = MESSAGES[printParseErrorCode(code)] ?? 'not JSON';
          stop({ ...at(line, character), message: message.replace('%s', () => shown(text[offset])) });
        },
      },
      { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false },
    );
    return undefined;
  } catch (err) {
    if (err instanceof Stop) return err.problem;
    throw err;
  }
}

/** Thrown from the visitor to end the walk at its first problem. */
class Stop extends Error {
  constructor(readonly problem: JsonSyntaxProblem) {
    super(problem.message);
  }
}
