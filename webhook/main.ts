import type { AddressInfo } from 'node:net';
import { ConfigError } from '../config/env';
import { connectClient } from '../client/connection';
import { EVENTS_PATH, HEALTH_PATH, createWebhookServer, temporalCallsSettled } from './server';
import { loadWebhookConfig } from './config';

/**
 * The HR webhook process (docs/webhook.md): fails fast on its settings and on Temporal, serves until
 * SIGINT/SIGTERM, then lets requests in flight finish (and Temporal calls given up on settle).
 */
async function main(): Promise<number> {
  let config;
  let temporal;
  try {
    config = loadWebhookConfig();
    temporal = await connectClient();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`hr-webhook: configuration error: ${err.message}`);
      return 2;
    }
    if (config === undefined) throw err;
    console.error(`hr-webhook: ${err instanceof Error ? err.message : String(err)}`);
    return 4;
  }
  const server = createWebhookServer({
    secret: config.secret,
    client: temporal.client,
    taskQueue: config.taskQueue,
    namespace: temporal.namespace,
    uiBaseUrl: config.uiBaseUrl,
    runOptions: config.runOptions,
    maxBodyBytes: config.maxBodyBytes,
    toleranceSeconds: config.toleranceSeconds,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  }).catch(async (err: unknown) => {
    await temporal.client.connection.close();
    throw err;
  });
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  console.log(
    `hr-webhook: listening on http://${host}:${port} (POST ${EVENTS_PATH}, GET ${HEALTH_PATH}); ` +
      `Temporal ${temporal.address}, namespace ${temporal.namespace}, task queue "${config.taskQueue}"; ` +
      `body limit ${config.maxBodyBytes} bytes, timestamp tolerance ${config.toleranceSeconds} s`,
  );

  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      console.log(`hr-webhook: ${signal}: stopping (requests in flight finish first)`);
      server.close(() => resolve());
      // Idle keep-alive connections would hold close() open.
      server.closeIdleConnections();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  // A request answered 503 at its deadline may leave an SDK retry asleep for a few seconds more.
  await temporalCallsSettled(server);
  await temporal.client.connection.close();
  console.log('hr-webhook: stopped');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`hr-webhook: failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
