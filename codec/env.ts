import fs from 'node:fs';

/**
 * Reading the codec's settings from the environment, with the same rules as the worker's own
 * configuration: a bad setting stops the process with a message that names the variable, and a
 * secret's value (key material, a token) is never part of a message.
 */

export type Env = Record<string, string | undefined>;

/** A missing or malformed codec setting. The message names the variable, never a secret's value. */
export class CodecConfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CodecConfigError';
  }
}

/**
 * A secret from `NAME`, or from the file named by `NAME_FILE` (docker and Kubernetes secrets), one
 * of the two, not both. Undefined when neither is set. A file's final newline is not part of it.
 */
export function secretSetting(env: Env, name: string): string | undefined {
  const direct = env[name];
  const file = env[`${name}_FILE`]?.trim();
  if (direct !== undefined && direct.trim() !== '' && file)
    throw new CodecConfigError(`set ${name} or ${name}_FILE, not both`);
  if (file) {
    let content: string;
    try {
      content = fs.readFileSync(file, 'utf8');
    } catch (err) {
      // The errno code says enough; the underlying message could quote the path only, but keep it short.
      const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new CodecConfigError(`${name}_FILE names a file that cannot be read (${code}): ${file}`, {
        cause: err,
      });
    }
    const value = content.replace(/\r?\n$/, '');
    if (value.trim() === '') throw new CodecConfigError(`${name}_FILE names an empty file: ${file}`);
    return value;
  }
  if (direct === undefined || direct.trim() === '') return undefined;
  return direct;
}

/** A plain (non-secret) setting, trimmed; undefined when unset or blank. */
export function plainSetting(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

/** `true`/`1`/`yes` or `false`/`0`/`no` (any case); the fallback when unset. */
export function booleanSetting(env: Env, name: string, fallback: boolean): boolean {
  const raw = plainSetting(env, name);
  if (raw === undefined) return fallback;
  const value = raw.toLowerCase();
  if (['true', '1', 'yes'].includes(value)) return true;
  if (['false', '0', 'no'].includes(value)) return false;
  throw new CodecConfigError(`${name} must be true or false, got "${raw}"`);
}
