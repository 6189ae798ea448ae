import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError, type Env } from '../config/env';
import { AesGcmPayloadCodec } from './aes-gcm-codec';
import { anyOf, bearerTokenAuthorizer, loopbackAuthorizer, type Authorizer } from './auth';
import { codecServerConfigFromEnv, type CodecServerConfig } from './server-config';
import { createCodecServer } from './server';

/**
 * The codec server as a process: `node dist/codec/server-main.js`, configured by the variables
 * listed in server-config.ts. Stops cleanly on SIGINT and SIGTERM.
 */

export interface RunningCodecServer {
  /** e.g. `http://127.0.0.1:8888`. */
  url: string;
  server: http.Server;
  /** Stops accepting, lets requests in flight finish (at most `graceMs`, default 5 s), then closes. */
  close(graceMs?: number): Promise<void>;
}

function readTlsFile(variable: string, file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError(`${variable} names a file that cannot be read (${code}): ${file}`, {
      cause: err,
    });
  }
}

function authorizerFor(config: CodecServerConfig): Authorizer {
  const authorizers: Authorizer[] = [];
  if (config.tokens.length > 0) authorizers.push(bearerTokenAuthorizer(config.tokens));
  if (config.allowUnauthenticatedLoopback) authorizers.push(loopbackAuthorizer());
  return anyOf(...authorizers);
}

export async function startCodecServer(
  config: CodecServerConfig,
  log: (line: string) => void = () => undefined,
): Promise<RunningCodecServer> {
  const options = {
    codec: new AesGcmPayloadCodec(config.keyring),
    authorize: authorizerFor(config),
    allowedOrigins: config.allowedOrigins,
    log,
    ...(config.maxBodyBytes === undefined ? {} : { maxBodyBytes: config.maxBodyBytes }),
  };
  const server = createCodecServer(
    options,
    config.tls && {
      cert: readTlsFile('CODEC_SERVER_TLS_CERT_FILE', config.tls.certFile),
      key: readTlsFile('CODEC_SERVER_TLS_KEY_FILE', config.tls.keyFile),
    },
  );

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  const url = `${config.tls ? 'https' : 'http'}://${host}:${port}`;

  const close = (graceMs = 5_000): Promise<void> =>
    new Promise<void>((resolve) => {
      const force = setTimeout(() => server.closeAllConnections(), graceMs);
      force.unref();
      server.close(() => {
        clearTimeout(force);
        resolve();
      });
      server.closeIdleConnections();
    });
  return { url, server, close };
}

/**
 * Reads the configuration, serves until SIGINT or SIGTERM, then closes. Resolves with the exit code
 * (1 on a configuration error, reported by variable name, never by value).
 */
export async function main(
  env: Env = process.env,
  signals: Pick<NodeJS.EventEmitter, 'once' | 'off'> = process,
  log: (line: string) => void = (line) => console.error(`[codec-server] ${line}`),
): Promise<number> {
  let running: RunningCodecServer;
  let config: CodecServerConfig;
  try {
    config = codecServerConfigFromEnv(env);
    running = await startCodecServer(config, log);
  } catch (err) {
    if (!(err instanceof ConfigError) && !(err instanceof Error && 'code' in err)) throw err;
    log(`cannot start: ${err.message}`);
    return 1;
  }
  const auth = [
    config.tokens.length > 0 ? `${config.tokens.length} bearer token(s)` : '',
    config.allowUnauthenticatedLoopback ? 'unauthenticated from loopback' : '',
  ].filter((part) => part !== '');
  log(
    `listening on ${running.url}; CORS origins ${config.allowedOrigins.join(', ') || '(none)'}; ` +
      `access: ${auth.join(' or ')}; encrypting with key id ${config.keyring.currentKeyId} ` +
      `(decrypts ${config.keyring.keyIds.join(', ')})`,
  );

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      signals.off('SIGINT', onInt);
      signals.off('SIGTERM', onTerm);
      log(`${signal}: stopping`);
      resolve();
    };
    const onInt = () => stop('SIGINT');
    const onTerm = () => stop('SIGTERM');
    signals.once('SIGINT', onInt);
    signals.once('SIGTERM', onTerm);
  });
  await running.close();
  log('stopped');
  return 0;
}

if (require.main === module) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      console.error('[codec-server] failed:', err instanceof Error ? err.message : err);
      process.exitCode = 1;
    },
  );
}
