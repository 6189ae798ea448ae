import fs from 'node:fs';
import { DefaultFailureConverter, defaultPayloadConverter } from '@temporalio/common';
import { AesGcmPayloadCodec } from '../../codec/aes-gcm-codec';
import { dataConverterFromEnv, FAILURE_CONVERTER_PATH } from '../../codec/data-converter';
import { ConfigError } from '../../config/env';
import { failureConverter } from '../../codec/failure-converter';
import { keyEntry } from './helpers';

describe('data converter from the environment', () => {
  const k1 = keyEntry('k1');

  it('is undefined (the SDK default, plain payloads) when no keys are configured', () => {
    expect(dataConverterFromEnv({})).toBeUndefined();
    expect(dataConverterFromEnv({ PAYLOAD_CODEC_REQUIRED: 'false' })).toBeUndefined();
  });

  it('encrypts with the configured keys, and encodes failure messages too', () => {
    const converter = dataConverterFromEnv({ PAYLOAD_CODEC_KEYS: k1.entry });
    expect(converter?.payloadCodecs).toHaveLength(1);
    expect(converter?.payloadCodecs?.[0]).toBeInstanceOf(AesGcmPayloadCodec);
    expect((converter?.payloadCodecs?.[0] as AesGcmPayloadCodec).currentKeyId).toBe('k1');
    expect(converter?.failureConverterPath).toBe(FAILURE_CONVERTER_PATH);
    expect(fs.existsSync(FAILURE_CONVERTER_PATH)).toBe(true);
    // No payload converter: the codec runs outside the workflow sandbox, prebuilt bundles stay valid.
    expect(converter?.payloadConverterPath).toBeUndefined();
  });

  it('refuses to run unencrypted when PAYLOAD_CODEC_REQUIRED=true', () => {
    expect(() => dataConverterFromEnv({ PAYLOAD_CODEC_REQUIRED: 'true' })).toThrow(ConfigError);
    expect(() => dataConverterFromEnv({ PAYLOAD_CODEC_REQUIRED: 'true' })).toThrow(
      /^PAYLOAD_CODEC_KEYS \(or PAYLOAD_CODEC_KEYS_FILE\) is not set/,
    );
    expect(() =>
      dataConverterFromEnv({ PAYLOAD_CODEC_REQUIRED: 'maybe', PAYLOAD_CODEC_KEYS: k1.entry }),
    ).toThrow('PAYLOAD_CODEC_REQUIRED must be true or false, got "maybe"');
    expect(
      dataConverterFromEnv({ PAYLOAD_CODEC_REQUIRED: 'true', PAYLOAD_CODEC_KEYS: k1.entry }),
    ).toBeDefined();
  });

  it('the failure converter moves messages and stack traces into an (encrypted) payload', () => {
    expect(failureConverter).toBeInstanceOf(DefaultFailureConverter);
    const failure = failureConverter.errorToFailure(
      new Error('leaver EMP-42 not found'),
      defaultPayloadConverter,
    );
    expect(failure.message).toBe('Encoded failure');
    expect(failure.stackTrace).toBe('');
    expect(
      JSON.stringify(
        failure.encodedAttributes && defaultPayloadConverter.fromPayload(failure.encodedAttributes),
      ),
    ).toContain('leaver EMP-42 not found');
    expect(failureConverter.failureToError(failure, defaultPayloadConverter).message).toBe(
      'leaver EMP-42 not found',
    );
  });
});
