import { z } from 'zod';
import { isLoopbackHost } from './auth';
import { normaliseOrigin } from './cors';
import { flag, list, port, readEnv, secret, wholeNumber, type Env } from '../config/env';
import { requireKeyring, type Keyring } from './keys';

/**
 * The codec server's settings, read once from the environment (table: docs/codec.md, "The codec
 * server"). At least one way in must be configured: tokens, or unauthenticated loopback (local stack only).
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

const CODEC_SERVER_ENV = z
  .object({
    CODEC_SERVER_HOST: z.string().default('127.0.0.1'),
    CODEC_SERVER_PORT: port().default(DEFAULT_CODEC_SERVER_PORT),
    CODEC_CORS_ORIGINS: list()
      .transform((entries, ctx) =>
        entries.map((entry) => {
          const origin = normaliseOrigin(entry);
          if (entry === '*')
            ctx.addIssue({
              code: 'custom',
              message: ': "*" is not allowed (the codec server allows credentials); list origins',
            });
          else if (!origin)
            ctx.addIssue({
              code: 'custom',
              message: `: "${entry}" is not an origin (scheme://host[:port], no path)`,
            });
          return origin ?? '';
        }),
      )
      .default(() => [...DEFAULT_CORS_ORIGINS]),
    CODEC_SERVER_TOKEN: secret()
      .transform((tokens, ctx) => {
        const accepted = tokens
          .reveal()
          .split(/[\s,]+/)
          .filter((entry) => entry !== '');
        accepted.forEach((token, index) => {
          // By position, never quoted: it is a secret.
          if (token.length < MIN_TOKEN_LENGTH)
            ctx.addIssue({
              code: 'custom',
              message: `: token ${index + 1} of ${accepted.length} is shorter than ${MIN_TOKEN_LENGTH} characters`,
            });
        });
        return accepted;
      })
      .default([]),
    CODEC_SERVER_ALLOW_UNAUTHENTICATED_LOOPBACK: flag().default(false),
    CODEC_SERVER_TLS_CERT_FILE: z.string().optional(),
    CODEC_SERVER_TLS_KEY_FILE: z.string().optional(),
    CODEC_SERVER_MAX_BODY_BYTES: wholeNumber(1).optional(),
  })
  .transform((env, ctx): Omit<CodecServerConfig, 'keyring'> => {
    const host = env.CODEC_SERVER_HOST;
    const allowUnauthenticatedLoopback = env.CODEC_SERVER_ALLOW_UNAUTHENTICATED_LOOPBACK;
    const { CODEC_SERVER_TLS_CERT_FILE: certFile, CODEC_SERVER_TLS_KEY_FILE: keyFile } = env;
    const problem = (message: string) => ctx.addIssue({ code: 'custom', message });
    if (allowUnauthenticatedLoopback && !isLoopbackHost(host))
      problem(
        `CODEC_SERVER_ALLOW_UNAUTHENTICATED_LOOPBACK=true needs CODEC_SERVER_HOST to be a loopback address ` +
          `(127.0.0.1, ::1, localhost), got "${host}"`,
      );
    if (env.CODEC_SERVER_TOKEN.length === 0 && !allowUnauthenticatedLoopback)
      problem(
        'CODEC_SERVER_TOKEN (or CODEC_SERVER_TOKEN_FILE) is not set: every caller could decrypt. Set it, or ' +
          'for a local stack bound to loopback set CODEC_SERVER_ALLOW_UNAUTHENTICATED_LOOPBACK=true',
      );
    if ((certFile === undefined) !== (keyFile === undefined))
      problem('set both CODEC_SERVER_TLS_CERT_FILE and CODEC_SERVER_TLS_KEY_FILE, or neither');
    return {
      host,
      port: env.CODEC_SERVER_PORT,
      allowedOrigins: env.CODEC_CORS_ORIGINS,
      tokens: env.CODEC_SERVER_TOKEN,
      allowUnauthenticatedLoopback,
      ...(certFile !== undefined && keyFile !== undefined ? { tls: { certFile, keyFile } } : {}),
      ...(env.CODEC_SERVER_MAX_BODY_BYTES !== undefined
        ? { maxBodyBytes: env.CODEC_SERVER_MAX_BODY_BYTES }
        : {}),
    };
  });

export function codecServerConfigFromEnv(env: Env = process.env): CodecServerConfig {
  return { ...readEnv(CODEC_SERVER_ENV, env), keyring: requireKeyring(env) };
}
