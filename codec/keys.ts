import { createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { ConfigError, readEnv, secret, secretVariable, type Env } from '../config/env';

/**
 * The payload encryption keys, from PAYLOAD_CODEC_KEYS(_FILE) and PAYLOAD_CODEC_KEY_ID (docs/codec.md,
 * "Keys"). Key material lives only in `KeyObject`s, which print as `SecretKeyObject { type: 'secret' }`
 * and serialise to `{}`: a keyring that ends up in a log line shows no key.
 */

export const KEYS_VARIABLE = 'PAYLOAD_CODEC_KEYS';
export const KEY_ID_VARIABLE = 'PAYLOAD_CODEC_KEY_ID';
export const KEYRING_ENV = z.object({
  [KEYS_VARIABLE]: secret().optional(),
  [KEY_ID_VARIABLE]: z.string().optional(),
});
/** AES-256. */
export const KEY_BYTES = 32;
/** Key ids travel in clear in payload metadata: short, printable, and never secret. */
export const KEY_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The keys a codec may decrypt with, and the one it encrypts with. Immutable. */
export class Keyring {
  private readonly keys: ReadonlyMap<string, KeyObject>;

  constructor(
    keys: ReadonlyMap<string, KeyObject>,
    /** The id new payloads are encrypted with; must be one of `keys`. */
    readonly currentKeyId: string,
  ) {
    for (const [id, key] of keys) {
      if (!KEY_ID_PATTERN.test(id)) throw new ConfigError(`key id must match ${KEY_ID_PATTERN.source}`);
      if (key.type !== 'secret' || key.symmetricKeySize !== KEY_BYTES)
        throw new ConfigError(`key "${id}" must be a ${KEY_BYTES}-byte secret key`);
    }
    if (!keys.has(currentKeyId))
      throw new ConfigError(
        `the current key id "${currentKeyId}" is not one of the keys (${[...keys.keys()].join(', ')})`,
      );
    this.keys = new Map(keys);
  }

  /** The key for `keyId`, or undefined if this keyring does not hold it. */
  key(keyId: string): KeyObject | undefined {
    return this.keys.get(keyId);
  }

  /** The key new payloads are encrypted with. */
  get currentKey(): KeyObject {
    const key = this.keys.get(this.currentKeyId);
    // The constructor checked it; this keeps the type honest without a non-null assertion.
    if (!key) throw new ConfigError(`the current key id "${this.currentKeyId}" is not one of the keys`);
    return key;
  }

  get keyIds(): string[] {
    return [...this.keys.keys()];
  }

  /** The same keys, encrypting with another of them (a rotation step). */
  withCurrentKey(keyId: string): Keyring {
    return new Keyring(this.keys, keyId);
  }

  /** Ids only: a keyring passed to JSON.stringify (a config dump, a log) shows no key. */
  toJSON(): { currentKeyId: string; keyIds: string[] } {
    return { currentKeyId: this.currentKeyId, keyIds: this.keyIds };
  }
}

/**
 * Parses `keyId:base64key` entries (separated by commas and/or whitespace, so that a secret file can
 * hold one per line). `source` names the variable in messages; entries are referred to by position,
 * never quoted, since a mistyped entry may be key material.
 */
export function parseKeyList(text: string, source: string): Map<string, KeyObject> {
  const entries = text.split(/[\s,]+/).filter((entry) => entry !== '');
  if (entries.length === 0) throw new ConfigError(`${source} holds no keys`);
  const keys = new Map<string, KeyObject>();
  entries.forEach((entry, index) => {
    const where = `${source}: entry ${index + 1} of ${entries.length}`;
    const colon = entry.indexOf(':');
    if (colon < 0) throw new ConfigError(`${where} is not keyId:base64key`);
    const id = entry.slice(0, colon);
    const encoded = entry.slice(colon + 1);
    if (!KEY_ID_PATTERN.test(id))
      throw new ConfigError(`${where} has an invalid key id (it must match ${KEY_ID_PATTERN.source})`);
    if (keys.has(id)) throw new ConfigError(`${where}: key id "${id}" is listed twice`);
    if (!BASE64.test(encoded)) throw new ConfigError(`${where} (key id "${id}"): the key is not base64`);
    const bytes = Buffer.from(encoded, 'base64');
    if (bytes.length !== KEY_BYTES)
      throw new ConfigError(
        `${where} (key id "${id}"): the key is ${bytes.length} bytes, it must be exactly ${KEY_BYTES} (AES-256)`,
      );
    keys.set(id, createSecretKey(bytes));
    // The KeyObject holds its own copy: don't leave a second one in this buffer.
    bytes.fill(0);
  });
  return keys;
}

/**
 * The keyring from the environment, or undefined when no keys are configured (encryption off: the
 * local stack and the tests run unconfigured). A partial or malformed configuration throws.
 */
export function keyringFromEnv(env: Env = process.env): Keyring | undefined {
  const { [KEYS_VARIABLE]: list, [KEY_ID_VARIABLE]: currentKeyId } = readEnv(KEYRING_ENV, env);
  if (list === undefined) {
    if (currentKeyId !== undefined)
      throw new ConfigError(
        `${KEY_ID_VARIABLE} is set but ${KEYS_VARIABLE} (or ${KEYS_VARIABLE}_FILE) is not: no key to encrypt with`,
      );
    return undefined;
  }
  const source = secretVariable(env, KEYS_VARIABLE);
  const keys = parseKeyList(list.reveal(), source);
  const current = currentKeyId ?? [...keys.keys()][0];
  if (current === undefined) throw new ConfigError(`${source} holds no keys`);
  if (!keys.has(current))
    throw new ConfigError(
      `${KEY_ID_VARIABLE} is "${current}", which is not one of the ids in ${source} (${[...keys.keys()].join(', ')})`,
    );
  return new Keyring(keys, current);
}

/** As `keyringFromEnv`, for processes that must not run unencrypted (production, the codec server). */
export function requireKeyring(env: Env = process.env): Keyring {
  const keyring = keyringFromEnv(env);
  if (!keyring)
    throw new ConfigError(
      `${KEYS_VARIABLE} (or ${KEYS_VARIABLE}_FILE) is not set, and payload encryption is required here`,
    );
  return keyring;
}

/** A key id for keys made this month, e.g. `k2026-11`: sortable, and says roughly how old a key is. */
export function defaultKeyId(now: Date = new Date()): string {
  return `k${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** A fresh random key as one `keyId:base64key` entry for PAYLOAD_CODEC_KEYS. */
export function generateKeyLine(keyId: string = defaultKeyId()): string {
  if (!KEY_ID_PATTERN.test(keyId)) throw new ConfigError(`key id must match ${KEY_ID_PATTERN.source}`);
  return `${keyId}:${randomBytes(KEY_BYTES).toString('base64')}`;
}
