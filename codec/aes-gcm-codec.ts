import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { KEY_ID_PATTERN, type Keyring } from './keys';

/**
 * Encrypts every payload with AES-256-GCM, so that what Temporal stores holds no leaver id in clear;
 * the format of Temporal's encryption samples, so their tools read ours (docs/codec.md, "Format").
 * A payload names the key that opens it, which lets keys rotate. Node only (node:crypto): never in
 * workflow code.
 */

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const METADATA_ENCRYPTION_KEY_ID = 'encryption-key-id';
const CIPHER = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A payload that cannot be decrypted. The message names the key id, never key material. */
export class PayloadDecryptionError extends Error {
  constructor(
    message: string,
    /** The key id the payload names, when it names a valid one. */
    readonly keyId?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PayloadDecryptionError';
  }
}

const utf8 = (text: string): Uint8Array => Buffer.from(text, 'utf8');
const text = (bytes: Uint8Array | null | undefined): string | undefined =>
  bytes ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8') : undefined;

export function isEncrypted(payload: Payload): boolean {
  return text(payload.metadata?.[METADATA_ENCODING_KEY]) === ENCRYPTED_ENCODING;
}

export class AesGcmPayloadCodec implements PayloadCodec {
  constructor(private readonly keyring: Keyring) {}

  /** The key id new payloads are encrypted with. */
  get currentKeyId(): string {
    return this.keyring.currentKeyId;
  }

  encode(payloads: Payload[]): Promise<Payload[]> {
    // Synchronous node:crypto, run inside a promise so that a failure is a rejection, not a throw.
    return Promise.resolve().then(() => payloads.map((payload) => this.encrypt(payload)));
  }

  decode(payloads: Payload[]): Promise<Payload[]> {
    return Promise.resolve().then(() => payloads.map((payload) => this.decrypt(payload)));
  }

  private encrypt(payload: Payload): Payload {
    const keyId = this.keyring.currentKeyId;
    const plaintext = temporal.api.common.v1.Payload.encode(payload).finish();
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(CIPHER, this.keyring.currentKey, iv, { authTagLength: TAG_BYTES });
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return {
      metadata: {
        [METADATA_ENCODING_KEY]: utf8(ENCRYPTED_ENCODING),
        [METADATA_ENCRYPTION_KEY_ID]: utf8(keyId),
      },
      data: Buffer.concat([iv, ciphertext, cipher.getAuthTag()]),
    };
  }

  private decrypt(payload: Payload): Payload {
    // Payloads written before encryption was turned on (and by other codecs) stay readable.
    if (!isEncrypted(payload)) return payload;

    const rawKeyId = text(payload.metadata?.[METADATA_ENCRYPTION_KEY_ID]);
    if (rawKeyId === undefined)
      throw new PayloadDecryptionError(`encrypted payload has no ${METADATA_ENCRYPTION_KEY_ID} metadata`);
    // The id comes from storage: quote it only if it is a well-formed id.
    if (!KEY_ID_PATTERN.test(rawKeyId))
      throw new PayloadDecryptionError(`encrypted payload names a malformed ${METADATA_ENCRYPTION_KEY_ID}`);
    const keyId = rawKeyId;
    const key = this.keyring.key(keyId);
    if (!key)
      throw new PayloadDecryptionError(
        `payload was encrypted with key id "${keyId}", which is not in the keyring ` +
          `(holds ${this.keyring.keyIds.join(', ')}): add that key to PAYLOAD_CODEC_KEYS`,
        keyId,
      );

    const data = payload.data ?? new Uint8Array();
    if (data.byteLength < IV_BYTES + TAG_BYTES)
      throw new PayloadDecryptionError(
        `payload encrypted with key id "${keyId}" is truncated (${data.byteLength} bytes)`,
        keyId,
      );
    const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const iv = bytes.subarray(0, IV_BYTES);
    const tag = bytes.subarray(bytes.length - TAG_BYTES);
    const ciphertext = bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES);

    let plaintext: Buffer;
    try {
      const decipher = createDecipheriv(CIPHER, key, iv, { authTagLength: TAG_BYTES });
      decipher.setAuthTag(tag);
      plaintext = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    } catch (err) {
      throw new PayloadDecryptionError(
        `payload encrypted with key id "${keyId}" failed authentication: it was altered, or encrypted ` +
          `with a different key under the same id`,
        keyId,
        { cause: err },
      );
    }
    try {
      return temporal.api.common.v1.Payload.decode(plaintext);
    } catch (err) {
      throw new PayloadDecryptionError(
        `payload encrypted with key id "${keyId}" decrypted to something that is not a Payload`,
        keyId,
        { cause: err },
      );
    }
  }
}
