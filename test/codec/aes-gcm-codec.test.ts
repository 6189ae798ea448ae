import { inspect } from 'node:util';
import { defaultPayloadConverter, METADATA_ENCODING_KEY, type Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import {
  AesGcmPayloadCodec,
  ENCRYPTED_ENCODING,
  METADATA_ENCRYPTION_KEY_ID,
  PayloadDecryptionError,
} from '../../codec/aes-gcm-codec';
import { requireKeyring } from '../../codec/keys';
import { idsFoundIn, keyEntry, keyringOf, recognisableRequest } from './helpers';

const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('utf8');
const bytesOf = (payloads: Payload[]) => temporal.api.common.v1.Payloads.encode({ payloads }).finish();

async function rejection(promise: Promise<unknown>): Promise<PayloadDecryptionError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(PayloadDecryptionError);
    return err as PayloadDecryptionError;
  }
  throw new Error('expected a PayloadDecryptionError');
}

describe('AES-256-GCM payload codec', () => {
  jest.setTimeout(10_000);

  it('round-trips real Temporal payloads, and the encoded bytes hold no id', async () => {
    const { request, ids } = recognisableRequest();
    const codec = new AesGcmPayloadCodec(keyringOf('k1'));
    const plain = [
      defaultPayloadConverter.toPayload(request),
      defaultPayloadConverter.toPayload(undefined),
      defaultPayloadConverter.toPayload(new Uint8Array([1, 2, 3])),
      defaultPayloadConverter.toPayload('a plain string'),
    ];
    // The check is meaningful: the plain payloads do hold the ids.
    expect(idsFoundIn(bytesOf(plain), ids)).toEqual(ids);

    const encoded = await codec.encode(plain);
    expect(encoded).toHaveLength(plain.length);
    expect(idsFoundIn(bytesOf(encoded), ids)).toEqual([]);
    expect(Buffer.from(bytesOf(encoded)).includes(Buffer.from('json/plain'))).toBe(false);
    for (const payload of encoded) {
      expect(text(payload.metadata?.[METADATA_ENCODING_KEY])).toBe(ENCRYPTED_ENCODING);
      expect(text(payload.metadata?.[METADATA_ENCRYPTION_KEY_ID])).toBe('k1');
    }

    const decoded = await codec.decode(encoded);
    expect(defaultPayloadConverter.fromPayload(decoded[0]!)).toEqual(request);
    expect(defaultPayloadConverter.fromPayload(decoded[1]!)).toBeUndefined();
    expect(defaultPayloadConverter.fromPayload(decoded[2]!)).toEqual(new Uint8Array([1, 2, 3]));
    expect(defaultPayloadConverter.fromPayload(decoded[3]!)).toBe('a plain string');
    // The original metadata comes back too.
    expect(text(decoded[0]?.metadata?.[METADATA_ENCODING_KEY])).toBe('json/plain');
  });

  it('uses a fresh IV every time: the same value never encrypts to the same bytes', async () => {
    const codec = new AesGcmPayloadCodec(keyringOf('k1'));
    const payload = defaultPayloadConverter.toPayload({ employeeId: 'E1' });
    const [a, b] = await codec.encode([payload, payload]);
    expect(Buffer.from(a!.data!).equals(Buffer.from(b!.data!))).toBe(false);
    expect(Buffer.from(a!.data!).subarray(0, 12).equals(Buffer.from(b!.data!).subarray(0, 12))).toBe(false);
  });

  it('passes payloads that are not encrypted through untouched (histories from before encryption)', async () => {
    const codec = new AesGcmPayloadCodec(keyringOf('k1'));
    const plain = defaultPayloadConverter.toPayload({ employeeId: 'E1' });
    const [decoded] = await codec.decode([plain]);
    expect(decoded).toBe(plain);
  });

  it('rotates keys: old payloads still decode, new ones carry the new key id', async () => {
    const k1 = keyEntry('k1');
    const k2 = keyEntry('k2');
    const before = new AesGcmPayloadCodec(requireKeyring({ PAYLOAD_CODEC_KEYS: k1.entry }));
    const old = await before.encode([defaultPayloadConverter.toPayload({ employeeId: 'E-old' })]);

    // Step 1 of a rotation: the new key is added and made current; the old one stays for decoding.
    const after = new AesGcmPayloadCodec(
      requireKeyring({ PAYLOAD_CODEC_KEYS: `${k1.entry},${k2.entry}`, PAYLOAD_CODEC_KEY_ID: 'k2' }),
    );
    expect(after.currentKeyId).toBe('k2');
    const fresh = await after.encode([defaultPayloadConverter.toPayload({ employeeId: 'E-new' })]);
    expect(text(fresh[0]?.metadata?.[METADATA_ENCRYPTION_KEY_ID])).toBe('k2');
    expect(defaultPayloadConverter.fromPayload((await after.decode(old))[0]!)).toEqual({
      employeeId: 'E-old',
    });
    expect(defaultPayloadConverter.fromPayload((await after.decode(fresh))[0]!)).toEqual({
      employeeId: 'E-new',
    });

    // A process still on the old configuration cannot read the new payloads, and says which key it lacks.
    const err = await rejection(before.decode(fresh));
    expect(err.message).toBe(
      'payload was encrypted with key id "k2", which is not in the keyring (holds k1): add that key to PAYLOAD_CODEC_KEYS',
    );
    expect(err.keyId).toBe('k2');
  });

  it('fails clearly on an unknown key id, without any key material', async () => {
    const k1 = keyEntry('k1');
    const k9 = keyEntry('k9');
    const writer = new AesGcmPayloadCodec(requireKeyring({ PAYLOAD_CODEC_KEYS: k9.entry }));
    const reader = new AesGcmPayloadCodec(requireKeyring({ PAYLOAD_CODEC_KEYS: k1.entry }));
    const encoded = await writer.encode([defaultPayloadConverter.toPayload('x')]);
    const err = await rejection(reader.decode(encoded));
    expect(err.message).toMatch(/key id "k9", which is not in the keyring \(holds k1\)/);
    for (const shown of [err.message, err.stack ?? '', inspect(err)]) {
      expect(shown).not.toContain(k1.base64);
      expect(shown).not.toContain(k9.base64);
    }
  });

  it('refuses tampered, truncated or mislabelled ciphertext', async () => {
    const k1 = keyEntry('k1');
    const codec = new AesGcmPayloadCodec(requireKeyring({ PAYLOAD_CODEC_KEYS: k1.entry }));
    const [encoded] = await codec.encode([defaultPayloadConverter.toPayload({ employeeId: 'E1' })]);

    for (const index of [0, 12, encoded!.data!.length - 1]) {
      const data = Buffer.from(encoded!.data!);
      data[index] = data[index]! ^ 0x01; // IV, ciphertext, tag
      const err = await rejection(codec.decode([{ ...encoded!, data }]));
      expect(err.message).toBe(
        'payload encrypted with key id "k1" failed authentication: it was altered, or encrypted with a different key under the same id',
      );
      // The cause (from node:crypto, another realm under Jest) is kept for debugging.
      expect((err.cause as { message?: unknown }).message).toMatch(/authenticate/);
      expect(inspect(err)).not.toContain(k1.base64);
    }

    const truncated = await rejection(codec.decode([{ ...encoded!, data: encoded!.data!.subarray(0, 20) }]));
    expect(truncated.message).toBe('payload encrypted with key id "k1" is truncated (20 bytes)');

    // The same id with another key (a key replaced instead of rotated) also fails authentication.
    const impostor = new AesGcmPayloadCodec(keyringOf('k1'));
    expect((await rejection(impostor.decode([encoded!]))).message).toMatch(/failed authentication/);

    const noKeyId = {
      metadata: { [METADATA_ENCODING_KEY]: Buffer.from(ENCRYPTED_ENCODING) },
      data: encoded!.data,
    };
    expect((await rejection(codec.decode([noKeyId]))).message).toBe(
      'encrypted payload has no encryption-key-id metadata',
    );
    const badKeyId = {
      metadata: { ...encoded!.metadata, [METADATA_ENCRYPTION_KEY_ID]: Buffer.from('not a key id!') },
      data: encoded!.data,
    };
    expect((await rejection(codec.decode([badKeyId]))).message).toBe(
      'encrypted payload names a malformed encryption-key-id',
    );
  });
});
