/**
 * Where a JSON text first goes wrong, as a line and column. `JSON.parse` names no position in some
 * of its messages (and quotes the text around the error, which may hold people's ids), so when it
 * fails we scan the text ourselves for the first problem and describe that instead.
 */

export interface JsonSyntaxProblem {
  /** 1-based. */
  line: number;
  /** 1-based, in characters. */
  column: number;
  message: string;
}

export type JsonParse = { ok: true; value: unknown } | { ok: false; problem: JsonSyntaxProblem };

export function parseJson(text: string): JsonParse {
  const input = text.startsWith('\uFEFF') ? text.slice(1) : text;
  try {
    return { ok: true, value: JSON.parse(input) as unknown };
  } catch {
    return { ok: false, problem: locateJsonError(input) };
  }
}

class Stop extends Error {
  constructor(
    readonly index: number,
    readonly problem: string,
  ) {
    super(problem);
  }
}

function shown(c: string | undefined): string {
  if (c === undefined) return 'the end of the text';
  if (c === '\n' || c === '\r') return 'a line break';
  // A control or invisible character (NUL, an RTL override, half a surrogate pair) is named, not printed.
  if (/[\p{Cc}\p{Cf}\p{Cs}]/u.test(c))
    return `U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
  return `'${c}'`;
}

/** The first syntax error of `text`, which JSON.parse refused. */
export function locateJsonError(text: string): JsonSyntaxProblem {
  let i = 0;
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
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!match || match[0] === '-') fail(`expected a number, found ${shown(text[i])}`);
    i += (match as RegExpExecArray)[0].length;
  };
  const value = (): void => {
    space();
    const c = text[i];
    if (c === '{') return object();
    if (c === '[') return array();
    if (c === '"') return string();
    if (c === 't') return literal('true');
    if (c === 'f') return literal('false');
    if (c === 'n') return literal('null');
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return number();
    fail(`expected a value, found ${shown(c)}`);
  };
  const object = (): void => {
    i += 1;
    space();
    if (text[i] === '}') {
      i += 1;
      return;
    }
    for (;;) {
      space();
      if (text[i] !== '"') fail(`expected a property name in double quotes, found ${shown(text[i])}`);
      string();
      space();
      if (text[i] !== ':') fail(`expected ':' after a property name, found ${shown(text[i])}`);
      i += 1;
      value();
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
  const array = (): void => {
    i += 1;
    space();
    if (text[i] === ']') {
      i += 1;
      return;
    }
    for (;;) {
      value();
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

  let index = 0;
  let message = 'is not valid JSON';
  try {
    value();
    space();
    if (i < text.length) fail(`unexpected ${shown(text[i])} after the JSON value`);
  } catch (err) {
    if (!(err instanceof Stop)) throw err;
    index = err.index;
    message = err.problem;
  }
  const before = text.slice(0, index);
  const lines = before.split(/\r\n|\r|\n/);
  return { line: lines.length, column: (lines[lines.length - 1] ?? '').length + 1, message };
}
