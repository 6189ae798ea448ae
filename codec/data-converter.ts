import type { DataConverter } from '@temporalio/common';
import { z } from 'zod';
import { flag, readEnv, type Env } from '../config/env';
import { AesGcmPayloadCodec } from './aes-gcm-codec';
import { keyringFromEnv, requireKeyring, type Keyring } from './keys';

/**
 * The data converter for `Worker.create({ dataConverter })` and `new Client({ dataConverter })`. The
 * codec runs outside the workflow sandbox, so a prebuilt bundle stays valid; failures raised in
 * workflow code need the bundle made with `failureConverterPath` (worker/workflow-bundle.ts).
 */

/** The module exporting the encoding failure converter (see failure-converter.ts). */
export const FAILURE_CONVERTER_PATH = require.resolve('./failure-converter');

/** Set to true where running without encryption would be a mistake (production). Default false. */
export const REQUIRED_VARIABLE = 'PAYLOAD_CODEC_REQUIRED';
const REQUIRED_ENV = z.object({ [REQUIRED_VARIABLE]: flag().default(false) });

export function dataConverterFor(keyring: Keyring): DataConverter {
  return {
    payloadCodecs: [new AesGcmPayloadCodec(keyring)],
    failureConverterPath: FAILURE_CONVERTER_PATH,
  };
}

/**
 * The encrypting data converter from PAYLOAD_CODEC_KEYS / PAYLOAD_CODEC_KEY_ID, or undefined when no
 * keys are configured (the SDK's default: plain payloads), unless PAYLOAD_CODEC_REQUIRED=true, which
 * makes missing keys an error. Throws ConfigError on any malformed setting.
 */
export function dataConverterFromEnv(env: Env = process.env): DataConverter | undefined {
  const keyring = readEnv(REQUIRED_ENV, env)[REQUIRED_VARIABLE] ? requireKeyring(env) : keyringFromEnv(env);
  return keyring ? dataConverterFor(keyring) : undefined;
}
