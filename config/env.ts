import fs from 'node:fs';
import { z } from 'zod';
import { Secret } from '../activities/shared/secret';

/**
 * Every process reads its environment here, through a zod schema it declares next to its own code,
 * keyed by variable name. A blank variable counts as unset. Every problem is reported at once, each
 * naming its variable and what was expected (a field's `.describe()` says what a missing one is
 * for); a secret's value is never part of a message. Checks across variables (the schema's own
 * transform) run once every variable is valid.
 */

export type Env = Record<string, string | undefined>;

/** A missing or malformed setting; the message names the variable, never a secret's value. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const SECRET_TEXT = z.string();

/**
 * A secret: `NAME`, or the contents of the file `NAME_FILE` names (docker and Kubernetes secrets)
 * without its final line break; both set is an error.
 */
export const secret = () => SECRET_TEXT.transform((value) => new Secret(value));

/** The variable a secret is read from: `NAME` when set, else `NAME_FILE`. */
export const secretVariable = (env: Env, name: string): string => (env[name]?.trim() ? name : `${name}_FILE`);

/** The schema under optional, default and transform wrappers (a secret's text, a process's object). */
function innermost(schema: z.core.$ZodType): z.core.$ZodType {
  const def = schema._zod.def as { in?: z.core.$ZodType; innerType?: z.core.$ZodType };
  const inner = def.in ?? def.innerType;
  return inner ? innermost(inner) : schema;
}

/** The one secret rule; a problem is a message, never the value. */
function secretText(env: Env, name: string): { value?: string; problem?: string } {
  const file = env[`${name}_FILE`]?.trim();
  if (!file) return env[name]?.trim() ? { value: env[name] } : {};
  if (env[name]?.trim()) return { problem: `set ${name} or ${name}_FILE, not both` };
  try {
    const value = fs.readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    return value.trim() ? { value } : { problem: `${name}_FILE names an empty file: ${file}` };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    return { problem: `${name}_FILE names a file that cannot be read (${code}): ${file}` };
  }
}

/** The settings `schema` makes of `env`, or a ConfigError listing every problem. */
export function readEnv<S extends z.ZodType>(schema: S, env: Env = process.env): z.output<S> {
  const shape = (innermost(schema) as z.ZodObject).shape as Record<string, z.ZodType>;
  const isSecret = (name: string) => shape[name] !== undefined && innermost(shape[name]) === SECRET_TEXT;
  const input: Record<string, string | null> = {};
  const problems: string[] = [];
  const failed = new Set<string>();
  for (const name of Object.keys(shape)) {
    const { value, problem } = isSecret(name)
      ? secretText(env, name)
      : { value: env[name]?.trim() || undefined };
    if (value !== undefined) input[name] = value;
    if (problem === undefined) continue;
    problems.push(problem);
    failed.add(name);
    // Not a string: the field fails too, so no check across variables runs on what is missing.
    input[name] = null;
  }
  const result = schema.safeParse(input);
  if (result.success && problems.length === 0) return result.data;
  for (const { path, code, message } of result.error?.issues ?? []) {
    const name = typeof path[0] === 'string' ? path[0] : '';
    if (failed.has(name)) continue;
    const unset = code === 'invalid_type' && input[name] === undefined;
    const what = shape[name]?.description;
    const text = unset
      ? `${isSecret(name) ? `(or ${name}_FILE) ` : ''}is not set${what ? `: ${what}` : ''}`
      : message;
    // A field's message is what follows its name: "must be ...", ": entry 2 ...", "=true needs ...".
    problems.push(name === '' ? text : `${name}${/^[:=]/.test(text) ? '' : ' '}${text}`);
  }
  throw new ConfigError(problems.join('; '));
}

/**
 * A setting `parse` makes of the text, or undefined when it is not `expected`: the message quotes
 * the text, unless `quote` is false (a URL that may carry a token).
 */
export function parsed<T>(expected: string, parse: (text: string) => T | undefined, quote = true) {
  return z.string().transform((text, ctx) => {
    const value = parse(text);
    if (value === undefined)
      ctx.addIssue({ code: 'custom', message: `must be ${expected}${quote ? `, got "${text}"` : ''}` });
    return value ?? z.NEVER;
  });
}

/** A whole number in [min, max]; the message says the bounds that were given. */
export function wholeNumber(min = -Infinity, max = Infinity) {
  const range = max < Infinity ? ` from ${min} to ${max}` : min > -Infinity ? ` of at least ${min}` : '';
  return parsed(`a whole number${range}`, (text) =>
    /^-?\d{1,15}$/.test(text) && Number(text) >= min && Number(text) <= max ? Number(text) : undefined,
  );
}

export const port = () => wholeNumber(0, 65_535);

export const positiveNumber = () =>
  parsed('a number above 0', (text) =>
    Number(text) > 0 && Number(text) < Infinity ? Number(text) : undefined,
  );

/** An http(s) URL without its trailing slashes. */
export const httpUrl = () =>
  parsed('an http(s) URL', (text) => (isHttpUrl(text) ? text.replace(/\/+$/, '') : undefined));

export function isHttpUrl(text: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(text).protocol);
  } catch {
    return false;
  }
}

/** One of `values`, compared after `fold` (e.g. upper case); the message quotes the text as given. */
export const oneOf = <T extends string>(values: readonly T[], fold = (text: string) => text) =>
  parsed(values.length === 2 ? values.join(' or ') : `one of ${values.join(', ')}`, (text) =>
    values.find((value) => value === fold(text)),
  );

const FLAGS = new Map([
  ...['true', '1', 'yes', 'on'].map((t) => [t, true] as const),
  ...['false', '0', 'no', 'off'].map((t) => [t, false] as const),
]);

/** `true`/`1`/`yes`/`on` or `false`/`0`/`no`/`off`, any case. */
export const flag = () => parsed('true or false', (text) => FLAGS.get(text.toLowerCase()));

/** A comma-separated list, blanks dropped. */
export const list = () =>
  z.string().transform((text) =>
    text
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== ''),
  );

/** `value` without its undefined entries: an unset option stays absent, so the consumer's default holds. */
export function definedOnly<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
