import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { z } from 'zod';
import { ConfigError, flag, port, readEnv, secret, wholeNumber, type Env } from '../../config/env';

/** The one reader every process uses (config/env.ts): its secret rule and how it reports problems. */

const VALUE = 'the-secret-value-0123456789';

const SCHEMA = z.object({
  NAME: z.string(),
  TOKEN: secret(),
  // A secret under wrappers is still a secret.
  OPTIONAL_TOKEN: secret()
    .refine((s) => s.reveal().length >= 8, 'must be at least 8 characters long')
    .optional(),
  PORT: port().default(8080),
  ON: flag().default(false),
});

function problemOf(env: Env): string {
  try {
    readEnv(SCHEMA, env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('readEnv', () => {
  let dir: string;
  const file = (name: string, content: string): string => {
    const where = path.join(dir, name);
    fs.writeFileSync(where, content);
    return where;
  };
  beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'config-env-'))));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads the schema, with defaults, treating a blank variable as unset', () => {
    const settings = readEnv(SCHEMA, { NAME: ' app ', TOKEN: VALUE, PORT: '  ', ON: 'Yes' });
    expect(settings).toMatchObject({ NAME: 'app', PORT: 8080, ON: true });
    expect(settings.TOKEN.reveal()).toBe(VALUE);
    expect(settings.OPTIONAL_TOKEN).toBeUndefined();
    expect(JSON.stringify(settings) + inspect(settings, { depth: 9 })).not.toContain(VALUE);
  });

  it('reads a secret from NAME_FILE, without its final line break, under wrappers too', () => {
    const settings = readEnv(SCHEMA, {
      NAME: 'app',
      TOKEN_FILE: file('token', `${VALUE}\r\n`),
      OPTIONAL_TOKEN_FILE: ` ${file('optional', `${VALUE}\n\n`)} `,
    });
    expect(settings.TOKEN.reveal()).toBe(VALUE);
    expect(settings.OPTIONAL_TOKEN?.reveal()).toBe(`${VALUE}\n`);
  });

  it('refuses NAME and NAME_FILE together, an unreadable or empty file, naming the variable', () => {
    const token = file('both', VALUE);
    expect(problemOf({ NAME: 'app', TOKEN: VALUE, TOKEN_FILE: token })).toBe(
      'set TOKEN or TOKEN_FILE, not both',
    );
    expect(problemOf({ NAME: 'app', TOKEN_FILE: path.join(dir, 'nope') })).toBe(
      `TOKEN_FILE names a file that cannot be read (ENOENT): ${path.join(dir, 'nope')}`,
    );
    const empty = file('empty', ' \n');
    expect(problemOf({ NAME: 'app', TOKEN_FILE: empty })).toBe(`TOKEN_FILE names an empty file: ${empty}`);
  });

  it('reports every problem at once, each naming its variable, never a secret value', () => {
    const message = problemOf({
      TOKEN: VALUE,
      TOKEN_FILE: file('again', VALUE),
      OPTIONAL_TOKEN: 'short',
      PORT: '70000',
      ON: 'maybe',
    });
    expect(message.split('; ')).toEqual([
      'set TOKEN or TOKEN_FILE, not both',
      'NAME is not set',
      'OPTIONAL_TOKEN must be at least 8 characters long',
      'PORT must be a whole number from 0 to 65535, got "70000"',
      'ON must be true or false, got "maybe"',
    ]);
    expect(message).not.toContain(VALUE);
    expect(message).not.toContain('short');
    expect(problemOf({})).toBe('NAME is not set; TOKEN (or TOKEN_FILE) is not set');
  });

  it('says what a missing variable is for when the schema describes it, and runs checks across variables only on valid ones', () => {
    const schema = z
      .object({ KEY: secret().describe('the key that signs'), MIN: wholeNumber(0), MAX: wholeNumber(0) })
      .refine((v) => v.MIN <= v.MAX, 'MIN must not be above MAX');
    const message = (env: Env) => {
      try {
        readEnv(schema, env);
      } catch (err) {
        return (err as Error).message;
      }
      return 'no error';
    };
    expect(message({ MIN: '1', MAX: '2' })).toBe('KEY (or KEY_FILE) is not set: the key that signs');
    expect(message({ KEY: VALUE, MIN: '3', MAX: '2' })).toBe('MIN must not be above MAX');
    expect(message({ KEY: VALUE, MIN: '3', MAX: 'x' })).toBe(
      'MAX must be a whole number of at least 0, got "x"',
    );
  });
});
