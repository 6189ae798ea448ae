import { Client, Connection } from '@temporalio/client';
import { dataConverterFromEnv } from '../codec/data-converter';
import { temporalConnectConfig } from '../worker/temporal';

/** A Temporal client from the TEMPORAL_* variables, with a message that says where it tried. */
export async function connectClient(): Promise<{ client: Client; address: string; namespace: string }> {
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
  // Leaver ids travel encrypted when PAYLOAD_CODEC_KEYS is set (codec/): the client must use the
  // worker's keys to read inputs, results and the memo.
  const dataConverter = dataConverterFromEnv();
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
