import { isLoopbackHost } from './auth';
import { normaliseOrigin } from './cors';
import { booleanSetting, CodecConfigError, plainSetting, secretSetting, type Env } from './env';
import { requireKeyring, type Keyring } from './keys';

/**
 * The codec server's settings, read once from the environment:
 *
 * | variable                                        | meaning                                                       | default                                         |
 * | ----------------------------------------------- | ------------------------------------------------------------- | ----------------------------------------------- |
 * | `PAYLOAD_CODEC_KEYS`(`_FILE`), `…_KEY_ID`        | the keyring (keys.ts); required here                          | none                                            |
 * | `CODEC_SERVER_HOST`                             | address to bind                                               | `127.0.0.1`                                     |
 * | `CODEC_SERVER_PORT`                             | port (0: any free one)                                        | `8888`                                          |
 * | `CODEC_CORS_ORIGINS`                            | comma-separated browser origins (the Web UI's)                | `http://localhost:8233,http://127.0.0.1:8233`   |
 * | `CODEC_SERVER_TOKEN` (or `_FILE`)               | comma-separated bearer tokens, each at least 16 characters    | none                                            |
 * | `CODEC_SERVER_ALLOW_UNAUTHENTICATED_LOOPBACK`   | `true`: no token needed from this machine; loopback bind only | `false`                                         |
 * | `CODEC_SERVER_TLS_CERT_FILE`, `…_TLS_KEY_FILE`   | serve https (needed for the UI's pass-access-token mode)      | plain http                                      |
 * | `CODEC_SERVER_MAX_BODY_BYTES`                   | largest request body                                          | 4 MiB                                           |
 *
 * At least one way in must be configured: tokens, or unauthenticated loopback (local stack only).
 */
export interface CodecServerConfig {
  host: string;
  port: number;
  allowedOrigins: string[];
  /** Accepted bearer tokens; empty when only loopback access is allowed. */
  tokens: string[];
  allowUnauthenticatedLoopback: boolean;
  tls?: { certFile: string; keyFile: string };
  maxBodyBytes?: number;
  keyring: Keyring;
}

export const DEFAULT_CODEC_SERVER_PORT = 8888;
export const DEFAULT_CORS_ORIGINS = ['http://localhost:8233', 'http://127.0.0.1:8233'];
const MIN_TOKEN_LENGTH = 16;

function port(env: Env, name: string, fallback: number): number {
  const raw = plainSetting(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value > 65535)
    throw new CodecConfigError(`${name} must be a port number (0-65535), got "${raw}"`);
  return value;
}

function positiveInt(env: Env, name: string): number | undefined {
  const raw = plainSetting(env, name);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < 1)
    throw new CodecConfigError(`${name} must be a whole number of at least 1, got "${raw}"`);
  return value;
}

function origins(env: Env, name: string): string[] {
  const raw = plainSetting(env, name);
  if (raw === undefined) return [...DEFAULT_CORS_ORIGINS];
  const list = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  return list.map((entry) => {
    if (entry === '*')
      throw new CodecConfigError(
        `${name}: "*" is not allowed (the codec server allows credentials); list origins`,
      );
    const origin = normaliseOrigin(entry);
    if (!origin)
      throw new CodecConfigError(`${name}: "${entry}" is not an origin (scheme://host[:port], no path)`);
    return origin;
  });
}

function tokens(env: Env, name: string): string[] {
  const raw = secretSetting(env, name);
  if (raw === undefined) return [];
  const list = raw.split(/[\s,]+/).filter((entry) => entry !== '');
  list.forEach((token, index) => {
    // By position, never quoted: it is a secret.
    if (token.length < MIN_TOKEN_LENGTH)
      throw new CodecConfigError(
        `${name}: token ${index + 1} of ${list.length} is shorter than ${MIN_TOKEN_LENGTH} characters`,
      );
  });
  return list;
}

export function codecServerConfigFromEnv(env: Env = process.env): CodecServerConfig {
  const host = plainSetting(env, 'CODEC_SERVER_HOST') ?? '127.0.0.1';
  const allowUnauthenticatedLoopback = booleanSetting(
    env,
    'CODEC_SERVER_ALLOW_UNAUTHENTICATED_LOOPBACK',
    false,
  );
  if (allowUnauthenticatedLoopback && !isLoopbackHost(host))
    throw new CodecConfigError(
      `CODEC_SERVER_ALLOW_UNAUTHENTICATED_LOOPBACK=true needs CODEC_SERVER_HOST to be a loopback address ` +
        `(127.0.0.1, ::1, localhost), got "${host}"`,
    );
  const accepted = tokens(env, 'CODEC_SERVER_TOKEN');
  if (accepted.length === 0 && !allowUnauthenticatedLoopback)
    throw new CodecConfigError(
      'CODEC_SERVER_TOKEN (or CODEC_SERVER_TOKEN_FILE) is not set: every caller could decrypt. Set it, or ' +
        'for a local stack bound to loopback set CODEC_SERVER_ALLOW_UNAUTHENTICATED_LOOPBACK=true',
    );
  const certFile = plainSetting(env, 'CODEC_SERVER_TLS_CERT_FILE');
  const keyFile = plainSetting(env, 'CODEC_SERVER_TLS_KEY_FILE');
  if ((certFile === undefined) !== (keyFile === undefined))
    throw new CodecConfigError(
      'set both CODEC_SERVER_TLS_CERT_FILE and CODEC_SERVER_TLS_KEY_FILE, or neither',
    );

  const config: CodecServerConfig = {
    host,
    port: port(env, 'CODEC_SERVER_PORT', DEFAULT_CODEC_SERVER_PORT),
    allowedOrigins: origins(env, 'CODEC_CORS_ORIGINS'),
    tokens: accepted,
    allowUnauthenticatedLoopback,
    keyring: requireKeyring(env),
  };
  if (certFile !== undefined && keyFile !== undefined) config.tls = { certFile, keyFile };
  const maxBodyBytes = positiveInt(env, 'CODEC_SERVER_MAX_BODY_BYTES');
  if (maxBodyBytes !== undefined) config.maxBodyBytes = maxBodyBytes;
  return config;
}
