import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { z } from 'zod';
import { dataConverterFromEnv, REQUIRED_VARIABLE } from '../codec/data-converter';
import { ConfigError, flag, readEnv, type Env } from '../config/env';
import { KEYS_VARIABLE } from '../codec/keys';
import { temporalConnectConfig } from '../worker/temporal';

/** Set to 1 to let a client without keys send plain payloads: only for a stack whose workers run without encryption. */
export const PLAINTEXT_VARIABLE = 'OFFBOARD_PLAINTEXT_PAYLOADS';
const CLIENT_ENV = z.object({
  [PLAINTEXT_VARIABLE]: flag().default(false),
  [REQUIRED_VARIABLE]: flag().default(false),
});

/**
 * The data converter of a client (the CLI, the HR webhook, the local stack's job): encrypting with
 * PAYLOAD_CODEC_KEYS, or, with no keys, undefined (plain payloads) only when OFFBOARD_PLAINTEXT_PAYLOADS
 * says so. A client cannot know whether the workers encrypt; a missing key must not quietly put
 * leaver ids in clear into Temporal's database, so without one it refuses (ConfigError).
 */
export function clientDataConverter(env: Env = process.env): DataConverter | undefined {
  const { [PLAINTEXT_VARIABLE]: plaintext, [REQUIRED_VARIABLE]: required } = readEnv(CLIENT_ENV, env);
  if (plaintext && required)
    throw new ConfigError(
      `${PLAINTEXT_VARIABLE} and ${REQUIRED_VARIABLE}=true contradict each other: unset one of them`,
    );
  const dataConverter = dataConverterFromEnv(env);
  if (dataConverter || plaintext) return dataConverter;
  throw new ConfigError(
    `${KEYS_VARIABLE} (or ${KEYS_VARIABLE}_FILE) is not set: this client would store leaver ids ` +
      `unencrypted in Temporal. Set it to the workers' payload keys (the local stack prints ` +
      `export ${KEYS_VARIABLE}_FILE=...), or, only for a stack whose workers run without encryption, ` +
      `set ${PLAINTEXT_VARIABLE}=1`,
  );
}

/** A Temporal client from the TEMPORAL_* variables, with a message that says where it tried. */
export async function connectClient(
  env: Env = process.env,
): Promise<{ client: Client; address: string; namespace: string }> {
  // Before connecting: a client without its keys stops as a configuration error, whatever the server.
  const dataConverter = clientDataConverter(env);
  const config = temporalConnectConfig();
  let connection: Connection;
  try {
    connection = await Connection.connect({
      ...config.connectionOptions,
      address: config.address,
      connectTimeout: 5_000,
    } as Parameters<typeof Connection.connect>[0]);
  } catch (err) {
    throw new Error(
      `cannot reach the Temporal server at ${config.address} (set TEMPORAL_ADDRESS, or start the local stack with npm start): ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  return {
    client: new Client({
      connection,
      namespace: config.namespace,
      ...(dataConverter ? { dataConverter } : {}),
    }),
    address: config.address,
    namespace: config.namespace,
  };
}
