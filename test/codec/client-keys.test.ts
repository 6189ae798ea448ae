import { PassThrough } from 'node:stream';
import { runCli } from '../../client/cli/main';
import { clientDataConverter, connectClient, PLAINTEXT_VARIABLE } from '../../client/connection';
import { AesGcmPayloadCodec } from '../../codec/aes-gcm-codec';
import { ConfigError } from '../../config/env';
import { freePort } from '../../scripts/lib/ports';
import { keyEntry } from './helpers';

/**
 * A client (the CLI, the HR webhook, the local stack's job) without the payload keys would put
 * leaver ids in clear into Temporal's database: it refuses to start unless told that the workers
 * run without encryption (OFFBOARD_PLAINTEXT_PAYLOADS=1).
 */
describe('a client without payload keys', () => {
  const k1 = keyEntry('k1');
  const STEERING = /^(PAYLOAD_CODEC_|OFFBOARD_PLAINTEXT_PAYLOADS$|TEMPORAL_ADDRESS$)/;
  let saved: NodeJS.ProcessEnv;
  beforeEach(() => {
    saved = { ...process.env };
    for (const name of Object.keys(process.env)) if (STEERING.test(name)) delete process.env[name];
  });
  afterEach(() => {
    for (const name of Object.keys(process.env)) if (STEERING.test(name)) delete process.env[name];
    Object.assign(process.env, saved);
  });

  const refusal = (env: Record<string, string>): string => {
    try {
      clientDataConverter(env);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as Error).message;
    }
    throw new Error('expected a refusal');
  };

  it('refuses, naming the variables to set', () => {
    const message = refusal({});
    expect(message).toMatch(/^PAYLOAD_CODEC_KEYS \(or PAYLOAD_CODEC_KEYS_FILE\) is not set: /);
    expect(message).toContain('unencrypted');
    expect(message).toContain(`${PLAINTEXT_VARIABLE}=1`);
    // An explicit "no" is not an opt-out.
    expect(refusal({ [PLAINTEXT_VARIABLE]: '0' })).toBe(message);
    expect(refusal({ [PLAINTEXT_VARIABLE]: 'false' })).toBe(message);
  });

  it('sends plain payloads only when told to, and encrypts whenever it has keys', () => {
    expect(clientDataConverter({ [PLAINTEXT_VARIABLE]: '1' })).toBeUndefined();
    expect(clientDataConverter({ [PLAINTEXT_VARIABLE]: 'true' })).toBeUndefined();
    for (const env of [
      { PAYLOAD_CODEC_KEYS: k1.entry },
      { PAYLOAD_CODEC_KEYS: k1.entry, [PLAINTEXT_VARIABLE]: '1' },
    ]) {
      const codecs = clientDataConverter(env)?.payloadCodecs ?? [];
      expect(codecs).toHaveLength(1);
      expect(codecs[0]).toBeInstanceOf(AesGcmPayloadCodec);
    }
  });

  it('refuses an opt-out it cannot read, or one beside PAYLOAD_CODEC_REQUIRED=true', () => {
    expect(refusal({ [PLAINTEXT_VARIABLE]: 'maybe' })).toBe(
      `${PLAINTEXT_VARIABLE} must be true or false, got "maybe"`,
    );
    expect(refusal({ [PLAINTEXT_VARIABLE]: '1', PAYLOAD_CODEC_REQUIRED: 'true' })).toBe(
      `${PLAINTEXT_VARIABLE} and PAYLOAD_CODEC_REQUIRED=true contradict each other: unset one of them`,
    );
  });

  it('connectClient refuses before it connects: a configuration error, not an unreachable server', async () => {
    process.env.TEMPORAL_ADDRESS = `127.0.0.1:${await freePort()}`;
    await expect(connectClient()).rejects.toThrow(ConfigError);
    process.env[PLAINTEXT_VARIABLE] = '1';
    await expect(connectClient()).rejects.toThrow(/cannot reach the Temporal server/);
  }, 30_000);

  it('connects with the keys, encrypting', async () => {
    process.env.TEMPORAL_ADDRESS = process.env.TEMPORAL_TEST_ADDRESS ?? '';
    process.env.PAYLOAD_CODEC_KEYS = k1.entry;
    const { client } = await connectClient();
    try {
      expect(client.options.loadedDataConverter.payloadCodecs).toHaveLength(1);
    } finally {
      await client.connection.close();
    }
  });

  it('the CLI says so with exit 2 before anything is sent', async () => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let err = '';
    stderr.on('data', (d: Buffer) => (err += d.toString()));
    process.env.TEMPORAL_ADDRESS = `127.0.0.1:${await freePort()}`;
    // No connector: the CLI's own connectClient, reading process.env.
    const code = await runCli(['status', 'hr-1'], { streams: { stdout, stderr }, env: {} });
    expect(code).toBe(2);
    expect(err).toMatch(
      /^offboard: configuration error: PAYLOAD_CODEC_KEYS \(or PAYLOAD_CODEC_KEYS_FILE\) is not set: this client would store leaver ids unencrypted/,
    );
  }, 30_000);
});
