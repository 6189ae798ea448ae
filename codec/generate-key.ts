import { ConfigError, readEnv, secretVariable, type Env } from '../config/env';
import { defaultKeyId, generateKeyLine, KEYRING_ENV, KEYS_VARIABLE } from './keys';

/**
 * `node dist/codec/generate-key.js [KEY_ID]` prints a new PAYLOAD_CODEC_KEYS entry, to stdout only
 * (docs/codec.md, "Keys"). An id already in the configured keys is refused (exit 2): appended, it
 * would stop every process ("listed twice"); deploy/prepare.sh gives the first key the default id, the
 * month, so a rotation in the month of the deployment needs an explicit id.
 */

/** The key ids of a `keyId:base64key` list, read leniently: only ids are taken, never key material. */
function listedKeyIds(list: string): Set<string> {
  return new Set(
    list
      .split(/[\s,]+/)
      .map((entry) => entry.slice(0, Math.max(0, entry.indexOf(':'))))
      .filter((id) => id !== ''),
  );
}

/** The line for a new key; refuses an id already in the configured keys. */
export function newKeyLine(keyId: string | undefined, env: Env = process.env): string {
  const id = keyId ?? defaultKeyId();
  const list = readEnv(KEYRING_ENV, env)[KEYS_VARIABLE]?.reveal();
  if (list !== undefined && listedKeyIds(list).has(id)) {
    const source = secretVariable(env, KEYS_VARIABLE);
    throw new ConfigError(
      `key id "${id}" is already in ${source}; a second entry with it would stop every process ` +
        `("listed twice"). Give another id, e.g. k$(date -u +%Y%m%d%H%M)`,
    );
  }
  return generateKeyLine(id);
}

export function main(argv: readonly string[] = process.argv.slice(2), env: Env = process.env): number {
  try {
    process.stdout.write(`${newKeyLine(argv[0], env)}\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`generate-key: ${err.message}\n`);
    return 2;
  }
}

if (require.main === module) process.exitCode = main();
